import Foundation

/// One out-of-date stage, handed to an executor.
public struct StageJob: Sendable {
    /// The stage's index in `Pipeline.stages`.
    public var index: Int
    public var runner: any StageRunner
    /// Where to run it here: its log, this make's temporary outputs, its thread budget. Nil for
    /// executors that chain jobs themselves, whose jobs prepare their own (`run-stage`).
    public var context: StageContext?
    /// CPUs it occupies here (`resources: {cpus: N}`), so that `make -j` counts cores, not stages.
    public var cpus = 1
}

/// What an executor reports for one job that ended, and all it reports: the builder applies
/// it to the plan, the stage's outputs and the lock. An executor never touches those itself.
public struct StageResult: Sendable {
    /// How a job ended.
    public enum Outcome: Sendable {
        /// Its outputs are at the job's temporary paths; the builder moves them into place.
        case succeeded
        /// Its outputs are in place already (a cluster job renames its own), after `seconds` of running.
        case succeededInPlace(seconds: Double)
        /// When its turn came the stage was up to date after all (its inputs came back identical),
        /// so it did not run: early cut-off, decided where the job ran.
        case upToDate
        /// It failed: why, and logs beyond the stage's own (e.g. Slurm's output file).
        case failed(String, logs: [String])
        /// It never ran because a job it depends on failed (executors that chain jobs themselves).
        case blocked
    }

    /// The stage's index in `Pipeline.stages`, as in its `StageJob`.
    public var index: Int
    public var outcome: Outcome

    public init(index: Int, outcome: Outcome) {
        self.index = index
        self.outcome = outcome
    }
}

/// Where stages run: ninja's command runner. The `Builder` decides what runs and in which order
/// and asks the executor for work: can it run more, start this `StageJob`, wait for what ended,
/// abort everything. The executor only runs jobs and answers with a `StageResult` for each that
/// ended; it holds no plan, lock or builder. The builder alone checks stages against the lock,
/// moves outputs into place, records the lock (`LockWriter`), reports failures and handles
/// Ctrl-C, so every executor behaves the same.
public protocol Executor: AnyObject {
    /// Whether the executor chains jobs itself (Slurm's `afterok`). Then the builder hands it
    /// every stage the out-of-date scan says will run, all at once and dependencies first,
    /// instead of each stage once its dependencies have succeeded; a job checks its stage
    /// against the lock when it starts and reports `upToDate` if its inputs came back identical.
    var chainsDependencies: Bool { get }
    /// Whether another job may start now (`make -j`).
    func canRunMore() -> Bool
    /// Whether a job needing `cpus` CPUs may start now.
    func canStart(cpus: Int) -> Bool
    /// Starts `job` and returns at once; its result comes back from `wait`.
    func start(_ job: StageJob)
    /// Waits up to `timeout` seconds for jobs to end; returns the results of those that did
    /// (possibly none). Throws when the executor cannot run anything at all (e.g. no `sbatch`).
    func wait(timeout: Double) throws(PipelineError) -> [StageResult]
    /// Asks every running job to stop: SIGTERM to its processes (or `scancel`), SIGKILL when `force`.
    func abort(force: Bool)
}

extension Executor {
    public var chainsDependencies: Bool { false }
    public func canStart(cpus: Int) -> Bool { canRunMore() }
}

/// Runs each job on its own thread of this process (8 MiB stack: in-process runners may recurse
/// or keep big stack buffers), up to `jobs` CPUs at a time: a job counts the CPUs its stage's
/// `resources: {cpus: N}` asks for (at most `jobs`, so that it can always run alone).
public final class LocalExecutor: Executor {
    private let jobs: Int
    private let events = EventQueue()
    private var running = [Int: (cancellation: Cancellation, cpus: Int)]()

    public init(jobs: Int = 1) { self.jobs = max(1, jobs) }

    private var cpusInUse: Int { running.values.reduce(0) { $0 + $1.cpus } }

    public func canRunMore() -> Bool { cpusInUse < jobs }

    public func canStart(cpus: Int) -> Bool { cpusInUse + min(max(1, cpus), jobs) <= jobs }

    public func start(_ job: StageJob) {
        guard let context = job.context else {
            return events.push(StageResult(index: job.index, outcome: .failed("no context to run the stage in", logs: [])))
        }
        running[job.index] = (context.cancellation, min(max(1, job.cpus), jobs))
        let events = self.events
        let thread = Thread {
            let outcome: StageResult.Outcome
            do {
                try job.runner.run(context)
                outcome = context.cancellation.isCancelled ? .failed("interrupted", logs: []) : .succeeded
            } catch {
                outcome = .failed(context.cancellation.isCancelled ? "interrupted" : String(describing: error), logs: [])
            }
            events.push(StageResult(index: job.index, outcome: outcome))
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    public func wait(timeout: Double) -> [StageResult] {
        let ended = events.wait(timeout: timeout)
        for result in ended { running.removeValue(forKey: result.index) }
        return ended
    }

    public func abort(force: Bool) {
        for job in running.values { job.cancellation.cancel(force: force) }
    }
}

/// Results of finished jobs, handed from executor threads to the builder's loop.
final class EventQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var events = [StageResult]()

    func push(_ result: StageResult) {
        condition.lock()
        events.append(result)
        condition.signal()
        condition.unlock()
    }

    /// Waits up to `timeout` seconds for at least one event, then takes all of them.
    func wait(timeout: Double) -> [StageResult] {
        condition.lock()
        defer { condition.unlock() }
        if events.isEmpty { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        let taken = events
        events.removeAll()
        return taken
    }
}
