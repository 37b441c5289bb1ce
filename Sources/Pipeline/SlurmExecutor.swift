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

/// Runs a `make` on Slurm: each out-of-date stage becomes an sbatch job (a job array for a matrix
/// stage) that runs `rederive run-stage` on the shared filesystem, chained with
/// `--dependency=afterok`. This process stays the controller: it holds the pipeline's process
/// lock, polls `scontrol show job` (never sacct), and as each task completes hashes its outputs
/// and records it in the lock file through the scheduler's own recording code, so the lock is
/// the one a local run writes (up to durations).
///
/// It submits everything at once, so a stage downstream of one that will run is submitted too;
/// `run-stage` then checks it on the node against the lock and, when its upstream rewrote
/// identical bytes, skips it (early cut-off, as in a local run) and says so in its log.
public final class SlurmExecutor {
    let scheduler: Scheduler
    let options: SlurmOptions
    var console: Console { scheduler.console }
    var pipeline: Pipeline { scheduler.pipeline }
    var project: Project { scheduler.project }

    public init(scheduler: Scheduler, options: SlurmOptions) {
        self.scheduler = scheduler
        self.options = options
    }

    /// Where the controller writes its sbatch scripts.
    var scriptFolder: String { project.stateFolder(artifacts: pipeline.artifacts) + "/slurm/" + project.name }
    /// Where Slurm writes each job's own output.
    var slurmOutputFolder: String { project.logFolder(artifacts: pipeline.artifacts) + "/slurm" }

    /// The stages of `targets` that are out of date, in order, and the result's up-to-date and
    /// failed (an input nothing will produce) entries. Dependents of a failed stage are blocked.
    func stagesToRun(_ makeOptions: MakeOptions, into result: inout MakeResult) throws(PipelineError) -> [Int] {
        let plan = try scheduler.plan(targets: makeOptions.targets, force: makeOptions.force,
                                      forceUpstream: makeOptions.forceUpstream, allReasons: false)
        for (i, _) in plan where scheduler.registry.runner(for: pipeline.stages[i].kind) == nil {
            let stage = pipeline.stages[i]
            throw PipelineError(.missingRunner, at: stage.kindLocation,
                                "stage '\(stage.name)' has kind '\(stage.kind)', which has no runner registered in this build",
                                hint: "registered kinds: \(scheduler.registry.kinds.joined(separator: ", "))")
        }
        var unusable = Set<Int>()
        var toRun = [Int]()
        for (i, reasons) in plan {
            let stage = pipeline.stages[i]
            if stage.dependencies.contains(where: unusable.contains) {
                unusable.insert(i)
                result.blocked.append(stage.name)
            } else if reasons.isEmpty {
                result.upToDate.append(stage.name)
            } else if let missing = try firstMissingSource(stage) {
                // Like a local run: an input no stage produces must exist before anything is submitted.
                unusable.insert(i)
                let message = "\(missing.location): error: input \(missing.path) does not exist"
                result.failed.append((stage.name, message, nil))
                console.line("FAILED \(stage.name): \(message)")
            } else {
                toRun.append(i)
            }
        }
        // A mistake in the pipeline is found before anything runs: then nothing is submitted.
        if !result.failed.isEmpty {
            result.blocked += toRun.map { pipeline.stages[$0].name }
            return []
        }
        return toRun
    }

    /// An input that no stage produces and that does not exist. (An input an up-to-date stage
    /// produces exists, or that stage would be out of date.)
    private func firstMissingSource(_ stage: Stage) throws(PipelineError) -> StageInput? {
        for input in stage.inputs where input.producer == nil {
            if try scheduler.hasher.hash(input.path) == nil { return input }
        }
        return nil
    }

    /// The scripts for `toRun`, one per cluster job.
    func scripts(for toRun: [Int], overrides: [ParamOverride], recordsLock: Bool, force: Bool) throws(PipelineError) -> [SlurmScript] {
        let yaml = String(decoding: try project.readPipelineBytes(), as: UTF8.self)
        let resources = try StageResources.read(yaml: yaml, path: project.relativeDisplay(project.pipelineFile))
        return ClusterPlan.jobs(toRun, in: pipeline, resources: resources, defaults: options.defaults).map { job in
            SlurmScript(job: job, pipelineName: project.name, executable: options.executable, pipelineFile: project.pipelineFile,
                        root: project.root, outputFolder: slurmOutputFolder, overrides: overrides.map(\.text), recordsLock: recordsLock, force: force)
        }
    }

    /// The stage's own log, which `run-stage` writes.
    func logPath(_ i: Int) -> String { project.logFolder(artifacts: pipeline.artifacts) + "/" + pipeline.stages[i].name + ".log" }

    private enum TaskState { case waiting, succeeded, failed, blocked }

    public func make(_ makeOptions: MakeOptions) throws(PipelineError) -> MakeResult {
        var result = MakeResult()
        let toRun = try stagesToRun(makeOptions, into: &result)
        var lockDirty = scheduler.dropUndeclaredLockEntries()
        func persistLock() throws(PipelineError) {
            guard lockDirty else { return }
            try scheduler.lock.write(to: project.lockPath)
            scheduler.hasher.save()
            lockDirty = false
        }
        guard !toRun.isEmpty else {
            try persistLock()
            scheduler.hasher.save()
            return result
        }

        let scripts = try scripts(for: toRun, overrides: makeOptions.overrides, recordsLock: false, force: makeOptions.force)
        try AtomicFileIO.makeFolders(slurmOutputFolder)
        try AtomicFileIO.makeFolders(scheduler.project.logFolder(artifacts: pipeline.artifacts))
        var state = [Int: TaskState]()
        var jobOfStage = [Int: Int]()
        for (j, script) in scripts.enumerated() { for i in script.job.stages { state[i] = .waiting; jobOfStage[i] = j } }
        var jobIds = [String?](repeating: nil, count: scripts.count)

        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }

        /// The jobs downstream of `failedJobs` (afterok on a whole array: one failed task blocks them).
        func dependentsOf(_ failedJobs: Set<Int>) -> Set<Int> {
            var blocked = failedJobs
            for (j, script) in scripts.enumerated() where !blocked.contains(j) && script.job.dependencies.contains(where: blocked.contains) {
                blocked.insert(j)
            }
            return blocked.subtracting(failedJobs)
        }

        /// A job that can never run: its stages are blocked, and it is cancelled if submitted.
        func block(jobs: Set<Int>, because reason: String) {
            var cancel = [String]()
            for j in jobs.sorted() {
                var live = false
                for i in scripts[j].job.stages where state[i] == .waiting {
                    state[i] = .blocked
                    result.blocked.append(pipeline.stages[i].name)
                    live = true
                }
                if live, let id = jobIds[j] { cancel.append(id) }
            }
            if !cancel.isEmpty {
                console.line("cancelling Slurm job(s) \(cancel.joined(separator: " ")): \(reason)")
                options.client.cancel(cancel)
            }
        }

        func fail(_ i: Int, _ message: String, slurmLog: String?) {
            state[i] = .failed
            let stage = pipeline.stages[i]
            let log = logPath(i)
            let logs = [AtomicFileIO.exists(log) ? log : nil, slurmLog].compactMap { $0 }
            result.failed.append((stage.name, message + (logs.count > 1 ? " (Slurm's output: \(project.relativeDisplay(logs[1])))" : ""), logs.first))
            console.line("FAILED \(stage.name): \(message)" + logs.map { "\n       log: \(project.relativeDisplay($0))" }.joined())
            block(jobs: dependentsOf([jobOfStage[i]!]), because: "\(stage.name) failed")
        }

        func succeed(_ i: Int, duration: Double) {
            let stage = pipeline.stages[i]
            if let log = try? AtomicFileIO.readIfExists(logPath(i)),
               String(decoding: log, as: UTF8.self).contains(RunStageOptions.upToDateMarker) {
                // The stages it reads rewrote identical bytes: early cut-off, decided on the node.
                state[i] = .succeeded
                result.upToDate.append(stage.name)
                console.line("up to date \(stage.name)  (its inputs did not change)")
                return
            }
            do throws(PipelineError) {
                var outputs = [String: String]()
                for output in stage.outputs {
                    scheduler.hasher.forget(output.path)
                    guard let sha = try scheduler.hasher.hash(output.path) else {
                        throw PipelineError(.io, at: output.location, "the job completed but \(output.path) does not exist",
                                            hint: "is the project folder shared with the compute nodes at the same path?")
                    }
                    outputs[output.path] = sha
                }
                var inputs = [String: String]()
                for input in stage.inputs { if let sha = try scheduler.hasher.hash(input.path) { inputs[input.path] = sha } }
                scheduler.record(stage, inputs: inputs, outputs: outputs, duration: duration)
                lockDirty = true
                state[i] = .succeeded
                result.ran.append(stage.name)
                console.line(String(format: "ok     %@  (%.0fs on Slurm)", stage.name, duration))
            } catch {
                fail(i, error.description, slurmLog: nil)
            }
        }

        // Submit in order: every job's dependencies have smaller indices.
        for (j, script) in scripts.enumerated() {
            if InterruptSignal.pending() != 0 { break }
            if script.job.stages.allSatisfy({ state[$0] != .waiting }) { continue }
            let path = scriptFolder + "/" + script.job.name + ".sh"
            // A failure then never points at the log of an older run.
            for i in script.job.stages { AtomicFileIO.remove(logPath(i)) }
            do throws(PipelineError) {
                try AtomicFileIO.write(Array(script.text.utf8), to: path)
                let dependencies = script.job.dependencies.compactMap { jobIds[$0] }
                let id = try options.client.submit(scriptPath: path, dependencies: dependencies)
                jobIds[j] = id
                console.line("submit \(script.job.name): Slurm job \(id)" + (script.job.isArray ? " (array \(script.arraySpec!))" : "")
                             + (dependencies.isEmpty ? "" : ", after \(dependencies.joined(separator: ","))"))
            } catch {
                // Nothing submitted yet (no sbatch, no controller): report it once, as a make error.
                if jobIds.allSatisfy({ $0 == nil }) { throw error }
                for i in script.job.stages { fail(i, error.description, slurmLog: nil) }
            }
        }

        // Poll until every submitted task has ended.
        var lastLockWrite = AtomicFileIO.monotonicSeconds()
        var lockWriteFailed = false
        while state.values.contains(.waiting) {
            if InterruptSignal.pending() != 0 {
                let live = jobIds.enumerated().filter { j, id in id != nil && scripts[j].job.stages.contains { state[$0] == .waiting } }
                let ids = live.compactMap(\.element)
                console.error("interrupted: cancelling \(ids.count) Slurm job(s) this make submitted (scancel \(ids.joined(separator: " "))); finished stages are kept")
                result.interrupted = true
                options.client.cancel(ids)
                for i in state.keys.sorted() where state[i] == .waiting {
                    state[i] = .blocked
                    result.blocked.append(pipeline.stages[i].name)
                }
                break
            }
            for (j, script) in scripts.enumerated() {
                guard let id = jobIds[j], script.job.stages.contains(where: { state[$0] == .waiting }) else { continue }
                let records: [SlurmJobRecord]?
                do { records = try options.client.show(jobId: id) } catch {
                    console.error("warning: \(error.description)")
                    continue
                }
                guard let records else {
                    for i in script.job.stages where state[i] == .waiting {
                        fail(i, "Slurm no longer knows job \(id) (purged before it was seen finishing?)", slurmLog: nil)
                    }
                    continue
                }
                for record in records where record.isFinished || record.dependencyFailed {
                    for task in record.arrayTasks ?? [0] where task < script.job.stages.count {
                        let i = script.job.stages[task]
                        guard state[i] == .waiting else { continue }
                        let slurmLog = script.outputPath(jobId: id, task: script.job.isArray ? task : nil)
                        if record.succeeded {
                            succeed(i, duration: record.runSeconds ?? 0)
                        } else if record.dependencyFailed {
                            block(jobs: [j], because: "a job it depends on failed")
                        } else {
                            fail(i, "Slurm job \(id)\(script.job.isArray ? "_\(task)" : "") ended \(record.state) (exit \(record.exitCode))",
                                 slurmLog: slurmLog)
                        }
                    }
                }
            }
            let now = AtomicFileIO.monotonicSeconds()
            if now - lastLockWrite >= 1 {
                do { try persistLock() } catch {
                    if !lockWriteFailed { console.error("warning: \(error.description)") }
                    lockWriteFailed = true
                }
                lastLockWrite = now
            }
            if console.isInteractive {
                let waiting = state.values.filter { $0 == .waiting }.count
                console.live(["[\(state.count - waiting)/\(state.count)] waiting for \(waiting) Slurm task(s); Ctrl-C cancels them"])
            }
            if state.values.contains(.waiting) { sleepPolling(options.pollInterval) }
        }
        console.endLive()
        try persistLock()
        scheduler.hasher.save()
        return result
    }

    /// Sleeps up to `seconds`, waking early on Ctrl-C.
    private func sleepPolling(_ seconds: Double) {
        let end = AtomicFileIO.monotonicSeconds() + seconds
        while AtomicFileIO.monotonicSeconds() < end && InterruptSignal.pending() == 0 { usleep(20_000) }
    }
}
