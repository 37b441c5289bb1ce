#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One `make --executor slurm` after planning: submits the scripts in dependency order, then
/// polls Slurm until every task has ended, recording each in the lock (through the scheduler,
/// as a local run does) and blocking the jobs downstream of a failure.
final class SlurmBuild {
    private enum TaskState { case waiting, succeeded, failed, blocked }

    private let executor: SlurmExecutor
    private let scripts: [SlurmScript]
    private let lockWriter: LockWriter
    private var state = [Int: TaskState]()
    private var jobOfStage = [Int: Int]()
    private var jobIds: [String?]
    private(set) var result: MakeResult

    private var scheduler: Scheduler { executor.scheduler }
    private var pipeline: Pipeline { executor.pipeline }
    private var project: Project { executor.project }
    private var console: Console { executor.console }
    private var client: any SlurmClient { executor.options.client }

    init(_ executor: SlurmExecutor, scripts: [SlurmScript], result: MakeResult, lockWriter: LockWriter) {
        self.executor = executor
        self.scripts = scripts
        self.result = result
        self.lockWriter = lockWriter
        jobIds = [String?](repeating: nil, count: scripts.count)
        for (j, script) in scripts.enumerated() { for i in script.job.stages { state[i] = .waiting; jobOfStage[i] = j } }
    }

    /// Submits in order: every job's dependencies have smaller indices.
    func submitAll() throws(PipelineError) {
        for (j, script) in scripts.enumerated() {
            if InterruptSignal.pending() != 0 { break }
            if script.job.stages.allSatisfy({ state[$0] != .waiting }) { continue }
            let path = executor.scriptFolder + "/" + script.job.name + ".sh"
            // A failure then never points at the log of an older run.
            for i in script.job.stages { AtomicFileIO.remove(executor.logPath(i)) }
            do throws(PipelineError) {
                try AtomicFileIO.write(Array(script.text.utf8), to: path)
                let dependencies = script.job.dependencies.compactMap { jobIds[$0] }
                let id = try client.submit(scriptPath: path, dependencies: dependencies)
                jobIds[j] = id
                console.line("submit \(script.job.name): Slurm job \(id)" + (script.job.isArray ? " (array \(script.arraySpec!))" : "")
                             + (dependencies.isEmpty ? "" : ", after \(dependencies.joined(separator: ","))"))
            } catch {
                // Nothing submitted yet (no sbatch, no controller): report it once, as a make error.
                if jobIds.allSatisfy({ $0 == nil }) { throw error }
                for i in script.job.stages { fail(i, error.description, slurmLog: nil) }
            }
        }
    }

    /// Polls until every submitted task has ended, or Ctrl-C cancels what is left.
    func pollUntilDone() {
        while state.values.contains(.waiting) {
            if InterruptSignal.pending() != 0 {
                cancelOnInterrupt()
                break
            }
            for j in scripts.indices { poll(job: j) }
            lockWriter.persistSoon()
            if console.isInteractive {
                let waiting = state.values.filter { $0 == .waiting }.count
                console.live(["[\(state.count - waiting)/\(state.count)] waiting for \(waiting) Slurm task(s); Ctrl-C cancels them"])
            }
            if state.values.contains(.waiting) { sleepPolling(executor.options.pollInterval) }
        }
    }

    private func cancelOnInterrupt() {
        let live = jobIds.enumerated().filter { j, id in id != nil && scripts[j].job.stages.contains { state[$0] == .waiting } }
        let ids = live.compactMap(\.element)
        console.error("interrupted: cancelling \(ids.count) Slurm job(s) this make submitted (scancel \(ids.joined(separator: " "))); finished stages are kept")
        result.interrupted = true
        client.cancel(ids)
        for i in state.keys.sorted() where state[i] == .waiting {
            state[i] = .blocked
            result.blocked.append(pipeline.stages[i].name)
        }
    }

    /// One `scontrol show job` of job `j`: each task that ended succeeds, fails or is blocked.
    private func poll(job j: Int) {
        let script = scripts[j]
        guard let id = jobIds[j], script.job.stages.contains(where: { state[$0] == .waiting }) else { return }
        let records: [SlurmJobRecord]?
        do { records = try client.show(jobId: id) } catch {
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
                    succeed(i, duration: record.runSeconds ?? 0)
                } else if record.dependencyFailed {
                    block(jobs: [j], because: "a job it depends on failed")
                } else {
                    fail(i, "Slurm job \(id)\(script.job.isArray ? "_\(task)" : "") ended \(record.state) (exit \(record.exitCode))",
                         slurmLog: script.outputPath(jobId: id, task: script.job.isArray ? task : nil))
                }
            }
        }
    }

    /// The jobs downstream of `failedJobs` (afterok on a whole array: one failed task blocks them).
    private func dependentsOf(_ failedJobs: Set<Int>) -> Set<Int> {
        var blocked = failedJobs
        for (j, script) in scripts.enumerated() where !blocked.contains(j) && script.job.dependencies.contains(where: blocked.contains) {
            blocked.insert(j)
        }
        return blocked.subtracting(failedJobs)
    }

    /// A job that can never run: its stages are blocked, and it is cancelled if submitted.
    private func block(jobs: Set<Int>, because reason: String) {
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
            client.cancel(cancel)
        }
    }

    private func fail(_ i: Int, _ message: String, slurmLog: String?) {
        state[i] = .failed
        let stage = pipeline.stages[i]
        let log = executor.logPath(i)
        let logs = [AtomicFileIO.exists(log) ? log : nil, slurmLog].compactMap { $0 }
        recordFailure(stage.name, message + (logs.count > 1 ? " (Slurm's output: \(project.relativeDisplay(logs[1])))" : ""),
                      logs: logs, into: &result, project: project, console: console)
        block(jobs: dependentsOf([jobOfStage[i]!]), because: "\(stage.name) failed")
    }

    private func succeed(_ i: Int, duration: Double) {
        let stage = pipeline.stages[i]
        if let log = try? AtomicFileIO.readIfExists(executor.logPath(i)),
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
            lockWriter.changed()
            state[i] = .succeeded
            result.ran.append(stage.name)
            console.line(String(format: "ok     %@  (%.0fs on Slurm)", stage.name, duration))
        } catch {
            fail(i, error.description, slurmLog: nil)
        }
    }

    /// Sleeps up to `seconds`, waking early on Ctrl-C.
    private func sleepPolling(_ seconds: Double) {
        let end = AtomicFileIO.monotonicSeconds() + seconds
        while AtomicFileIO.monotonicSeconds() < end && InterruptSignal.pending() == 0 { usleep(20_000) }
    }
}
