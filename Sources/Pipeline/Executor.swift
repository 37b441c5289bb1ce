import Foundation

/// One stage ready to run: its runner and context.
public struct StageJob: Sendable {
    /// The stage's index in `Pipeline.stages`.
    public var index: Int
    public var runner: any StageRunner
    public var context: StageContext
}

public enum StageJobOutcome: Sendable {
    case succeeded
    case failed(String)
}

/// Where stages run. The `Builder` decides what runs and in which order, and asks the executor
/// for work, as ninja's builder asks its command runner: can it run more, start this, wait for
/// what ended, abort everything.
public protocol Executor: AnyObject {
    /// Whether another job may start now (`make -j`).
    func canRunMore() -> Bool
    /// Starts `job` and returns at once; its outcome comes back from `wait`.
    func start(_ job: StageJob)
    /// Waits up to `timeout` seconds for jobs to end; returns those that did (possibly none).
    func wait(timeout: Double) -> [(index: Int, outcome: StageJobOutcome)]
    /// Asks every running job to stop: SIGTERM to its processes, or SIGKILL when `force`.
    func abort(force: Bool)
}

/// Runs each job on its own thread of this process (8 MiB stack: in-process runners may recurse
/// or keep big stack buffers), up to `jobs` at a time.
public final class LocalExecutor: Executor {
    private let jobs: Int
    private let events = EventQueue()
    private var running = [Int: Cancellation]()

    public init(jobs: Int = 1) { self.jobs = max(1, jobs) }

    public func canRunMore() -> Bool { running.count < jobs }

    public func start(_ job: StageJob) {
        running[job.index] = job.context.cancellation
        let events = self.events
        let thread = Thread {
            let outcome: StageJobOutcome
            do {
                try job.runner.run(job.context)
                outcome = job.context.cancellation.isCancelled ? .failed("interrupted") : .succeeded
            } catch {
                outcome = .failed(job.context.cancellation.isCancelled ? "interrupted" : String(describing: error))
            }
            events.push(job.index, outcome)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    public func wait(timeout: Double) -> [(index: Int, outcome: StageJobOutcome)] {
        let ended = events.wait(timeout: timeout)
        for (index, _) in ended { running.removeValue(forKey: index) }
        return ended.map { (index: $0.0, outcome: $0.1) }
    }

    public func abort(force: Bool) {
        for cancellation in running.values { cancellation.cancel(force: force) }
    }
}

/// Finished jobs, handed from executor threads to the builder's loop.
final class EventQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var events = [(Int, StageJobOutcome)]()

    func push(_ index: Int, _ outcome: StageJobOutcome) {
        condition.lock()
        events.append((index, outcome))
        condition.signal()
        condition.unlock()
    }

    /// Waits up to `timeout` seconds for at least one event, then takes all of them.
    func wait(timeout: Double) -> [(Int, StageJobOutcome)] {
        condition.lock()
        defer { condition.unlock() }
        if events.isEmpty { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        let taken = events
        events.removeAll()
        return taken
    }
}
