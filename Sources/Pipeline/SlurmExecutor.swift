#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How `make --executor slurm` submits and waits.
public struct SlurmOptions: Sendable {
    /// The `rederive` the jobs run (`rederive run-stage ...`): an absolute path on the shared filesystem.
    public var executable: String
    /// Seconds between `scontrol show job` polls.
    public var pollInterval: Double = 1
    /// Resources for stages without `resources:` keys.
    public var defaults: StageResources = .defaults
    public var client: any SlurmClient = CommandLineSlurm()

    public init(executable: String) {
        self.executable = executable
    }
}

/// Runs a `make`'s stages on Slurm, behind the same `Executor` interface as a local run: the
/// `Builder` checks, records and reports, this submits and polls, and answers each task that
/// ended with a `StageResult`. It is built from values (the project, the expanded pipeline, the
/// make's overrides) and holds nothing of the builder's.
///
/// Each stage it is given becomes a task of an sbatch job (a job array for a matrix stage) that
/// runs `rederive run-stage` on the shared filesystem, chained with `--dependency=afterok`. This
/// process stays the controller: it holds the pipeline's process lock and polls
/// `scontrol show job` (never sacct).
///
/// It chains jobs itself, so the builder hands it every stage the plan says will run at once,
/// and a stage downstream of one that will run is submitted too; `run-stage` then checks it on
/// the node against the lock and, when its upstream rewrote identical bytes, skips it (early
/// cut-off, as in a local run) and says so in its log.
public final class SlurmExecutor: Executor {
    private enum TaskState { case waiting, ended }

    let project: Project
    let pipeline: Pipeline
    let options: SlurmOptions
    private let console: Console
    private let overrides: [String]
    private let force: Bool
    /// Stages started but not yet submitted; they are submitted together at the next `wait`.
    private var unsubmitted = [Int]()
    private var scripts = [SlurmScript]()
    private var jobIds = [String?]()
    private var jobOfStage = [Int: Int]()
    private var state = [Int: TaskState]()
    private var ended = [StageResult]()
    private var lastPoll = -Double.infinity

    public init(project: Project, pipeline: Pipeline, options: SlurmOptions, make: MakeOptions, console: Console) {
        self.project = project
        self.pipeline = pipeline
        self.console = console
        self.options = options
        overrides = make.overrides.map(\.text)
        force = make.force
    }

    public var chainsDependencies: Bool { true }

    public func canRunMore() -> Bool { true }

    public func start(_ job: StageJob) {
        unsubmitted.append(job.index)
        state[job.index] = .waiting
    }

    public func wait(timeout: Double) throws(PipelineError) -> [StageResult] {
        if !unsubmitted.isEmpty { try submitUnsubmitted() }
        if ended.isEmpty {
            let due = lastPoll + options.pollInterval - AtomicFileIO.monotonicSeconds()
            if due > 0 { sleepPolling(min(due, timeout)) } else { pollAll() }
        }
        defer { ended.removeAll() }
        return ended
    }

    /// Ctrl-C: `scancel` every job this make submitted that has tasks still waiting; they end as
    /// interrupted. (A second, forceful abort has nothing left to do.)
    public func abort(force: Bool) {
        guard !force else { return }
        let live = jobIds.indices.filter { jobIds[$0] != nil && scripts[$0].job.stages.contains { state[$0] == .waiting } }
        let ids = live.compactMap { jobIds[$0] }
        console.error("interrupted: cancelling \(ids.count) Slurm job(s) this make submitted (scancel \(ids.joined(separator: " "))); finished stages are kept")
        options.client.cancel(ids)
        for i in state.keys.sorted() where state[i] == .waiting { end(i, .failed("interrupted", logs: [])) }
    }

    // MARK: Submitting

    /// The scripts for `stages` (in pipeline order), one per cluster job.
    func scripts(for stages: [Int], recordsLock: Bool) -> [SlurmScript] {
        ClusterPlan.jobs(stages, in: pipeline, defaults: options.defaults).map { job in
            SlurmScript(job: job, pipelineName: project.name, executable: options.executable, pipelineFile: project.pipelineFile,
                        root: project.root, outputFolder: slurmOutputFolder, overrides: overrides, recordsLock: recordsLock, force: force)
        }
    }

    /// Where the controller writes its sbatch scripts.
    var scriptFolder: String { project.stateFolder(artifacts: pipeline.artifacts) + "/slurm/" + project.name }
    /// Where Slurm writes each job's own output.
    var slurmOutputFolder: String { project.logFolder(artifacts: pipeline.artifacts) + "/slurm" }

    /// Submits the started stages as jobs, in order (every job's dependencies come first). A job
    /// whose dependency could not be submitted is blocked, not submitted.
    private func submitUnsubmitted() throws(PipelineError) {
        let batch = scripts(for: unsubmitted.sorted(), recordsLock: false)
        unsubmitted.removeAll()
        try AtomicFileIO.makeFolders(slurmOutputFolder)
        try AtomicFileIO.makeFolders(project.logFolder(artifacts: pipeline.artifacts))
        let offset = scripts.count
        for var script in batch {
            script.job.dependencies = script.job.dependencies.map { $0 + offset }
            let j = scripts.count
            scripts.append(script)
            jobIds.append(nil)
            for i in script.job.stages { jobOfStage[i] = j }
            try submit(j)
        }
    }

    private func submit(_ j: Int) throws(PipelineError) {
        let script = scripts[j]
        // Every stage this job's stages read from other jobs, whether of this batch or earlier.
        let upstream = Set(script.job.dependencies + script.job.stages.flatMap { pipeline.stages[$0].dependencies.compactMap { jobOfStage[$0] } })
            .subtracting([j]).sorted()
        if upstream.contains(where: { jobIds[$0] == nil }) {
            for i in script.job.stages { end(i, .blocked) }
            return
        }
        let path = scriptFolder + "/" + script.job.name + ".sh"
        // A failure then never points at the log of an older run.
        for i in script.job.stages { AtomicFileIO.remove(logPath(i)) }
        do throws(PipelineError) {
            try AtomicFileIO.write(Array(script.text.utf8), to: path)
            let dependencies = upstream.compactMap { jobIds[$0] }
            let id = try options.client.submit(scriptPath: path, dependencies: dependencies)
            jobIds[j] = id
            console.line("submit \(script.job.name): Slurm job \(id)" + (script.job.isArray ? " (array \(script.arraySpec!))" : "")
                         + (dependencies.isEmpty ? "" : ", after \(dependencies.joined(separator: ","))"))
        } catch {
            // Nothing submitted yet (no sbatch, no controller): one error for the whole make.
            if jobIds.allSatisfy({ $0 == nil }) { throw error }
            for i in script.job.stages { end(i, .failed(error.description, logs: [])) }
        }
    }

    // MARK: Polling

    private func pollAll() {
        lastPoll = AtomicFileIO.monotonicSeconds()
        for j in scripts.indices { poll(job: j) }
    }

    /// One `scontrol show job` of job `j`: each task that ended succeeds, fails or is blocked.
    private func poll(job j: Int) {
        let script = scripts[j]
        guard let id = jobIds[j], script.job.stages.contains(where: { state[$0] == .waiting }) else { return }
        let records: [SlurmJobRecord]?
        do { records = try options.client.show(jobId: id) } catch {
            console.error("warning: \(error.description)")
            return
        }
        guard let records else {
            for i in script.job.stages where state[i] == .waiting {
                fail(i, "Slurm no longer knows job \(id) (purged before it was seen finishing?)", slurmLog: nil)
            }
            return
        }
        for record in records where record.isFinished || record.dependencyFailed {
            for task in record.arrayTasks ?? [0] where task < script.job.stages.count {
                let i = script.job.stages[task]
                guard state[i] == .waiting else { continue }
                if record.succeeded {
                    end(i, succeededOnNode(i) ? .succeededInPlace(seconds: record.runSeconds ?? 0) : .upToDate)
                } else if record.dependencyFailed {
                    block(jobs: [j], because: "a job it depends on failed")
                } else {
                    fail(i, "Slurm job \(id)\(script.job.isArray ? "_\(task)" : "") ended \(record.state) (exit \(record.exitCode))",
                         slurmLog: script.outputPath(jobId: id, task: script.job.isArray ? task : nil))
                }
            }
        }
    }

    /// Whether the task ran its stage, rather than finding it up to date on the node (its
    /// upstream rewrote identical bytes: early cut-off, decided there).
    private func succeededOnNode(_ i: Int) -> Bool {
        guard let log = try? AtomicFileIO.readIfExists(logPath(i)) else { return true }
        return !String(decoding: log, as: UTF8.self).contains(RunStageOptions.upToDateMarker)
    }

    /// A failed task: its stage fails, and the jobs downstream of its job can never run.
    private func fail(_ i: Int, _ message: String, slurmLog: String?) {
        let logs = [slurmLog].compactMap { $0 }
        end(i, .failed(message + (slurmLog.map { " (Slurm's output: \(project.relativeDisplay($0)))" } ?? ""), logs: logs))
        block(jobs: dependentsOf([jobOfStage[i]!]), because: "\(pipeline.stages[i].name) failed")
    }

    /// The jobs downstream of `failedJobs` (afterok on a whole array: one failed task blocks them).
    private func dependentsOf(_ failedJobs: Set<Int>) -> Set<Int> {
        var blocked = failedJobs
        for (j, script) in scripts.enumerated() where !blocked.contains(j) && script.job.dependencies.contains(where: blocked.contains) {
            blocked.insert(j)
        }
        return blocked.subtracting(failedJobs)
    }

    /// Jobs that can never run: their waiting stages are blocked, and the jobs cancelled.
    private func block(jobs: Set<Int>, because reason: String) {
        var cancel = [String]()
        for j in jobs.sorted() {
            var live = false
            for i in scripts[j].job.stages where state[i] == .waiting {
                end(i, .blocked)
                live = true
            }
            if live, let id = jobIds[j] { cancel.append(id) }
        }
        if !cancel.isEmpty {
            console.line("cancelling Slurm job(s) \(cancel.joined(separator: " ")): \(reason)")
            options.client.cancel(cancel)
        }
    }

    private func end(_ i: Int, _ outcome: StageResult.Outcome) {
        state[i] = .ended
        ended.append(StageResult(index: i, outcome: outcome))
    }

    /// The stage's own log, which `run-stage` writes.
    private func logPath(_ i: Int) -> String { project.logPath(ofStage: pipeline.stages[i].name, artifacts: pipeline.artifacts) }

    /// Sleeps up to `seconds`, waking early on Ctrl-C.
    private func sleepPolling(_ seconds: Double) {
        let end = AtomicFileIO.monotonicSeconds() + seconds
        while AtomicFileIO.monotonicSeconds() < end && InterruptSignal.pending() == 0 { usleep(20_000) }
    }
}
