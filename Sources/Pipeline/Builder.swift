import Foundation

/// Drives a make, the same for every executor (ninja's Builder). It asks the `BuildPlan` for a
/// ready stage, checks it against the lock when its turn comes (so a dependency rebuilt to
/// identical bytes leaves it alone: early cut-off), prepares its log and temporary outputs
/// (`StageFiles`) and hands an out-of-date one to the `Executor` as a `StageJob`. The executor
/// answers with a `StageResult` for each job that ended, which the builder applies: it moves the
/// outputs into place, records the lock (`LockWriter`), reports a failure, and tells the plan,
/// which makes dependents ready. Ctrl-C stops launching and aborts what runs; the lock keeps
/// what finished.
///
/// An executor that chains jobs itself (Slurm) gets every stage the out-of-date scan says will
/// run at once, dependencies first (`BuildPlan.scanned`); its jobs make the early cut-off check
/// where they run.
///
/// The builder owns the plan, the lock being written, the table of running stages and the
/// result. It reads the pipeline and the registry, and hashes through the `StageFiles` it is
/// lent; it holds no reference to the scheduler that made it.
final class Builder {
    private struct Running {
        var runner: any StageRunner
        var started: Double
        /// Input hashes when the stage was checked (empty for chained jobs: hashed when they end).
        var inputs: [String: String]
        var log: StageLog?
        var logPath: String
        var outputs: [StageOutputSlot]
        var progressFile: String { logPath + ".progress" }
    }

    private let pipeline: Pipeline
    private let registry: StageRegistry
    private let files: StageFiles
    private let executor: any Executor
    private let console: Console
    private let terminationGrace: Double
    private let threadsPerStage: Int
    private var plan: BuildPlan
    private var lockWriter: LockWriter
    private let status: LiveStatus
    private var running = [Int: Running]()
    private var interruptedAt: Double?
    private var killed = false
    private var result = MakeResult()

    private var project: Project { files.project }

    /// `lock` is the lock file as the make found it; the builder records into its own copy and
    /// writes it to `project.lockPath`.
    init(pipeline: Pipeline, registry: StageRegistry, files: StageFiles, lock: LockFile, plan: BuildPlan,
         executor: any Executor, options: MakeOptions, console: Console) {
        self.pipeline = pipeline
        self.registry = registry
        self.files = files
        self.executor = executor
        self.console = console
        self.plan = plan
        terminationGrace = options.terminationGrace
        threadsPerStage = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, options.jobs))
        lockWriter = LockWriter(lock, path: files.project.lockPath, console: console)
        status = LiveStatus(console: console)
    }

    /// Runs until every selected stage is done, failed or blocked, or the run was interrupted.
    func run() throws(PipelineError) -> MakeResult {
        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }
        _ = OrphanGuard.shared
        while true {
            handleInterrupt()
            if abandonStuckStages() { break }
            while interruptedAt == nil, let i = plan.nextReady, executor.canStart(cpus: cpus(of: i)) {
                _ = plan.takeReady()
                launch(i)
            }
            if running.isEmpty && (plan.nextReady == nil || interruptedAt != nil) { break }
            drawStatus()
            for ended in try executor.wait(timeout: 0.1) { apply(ended) }
            if lockWriter.persistSoon() { files.hasher.save() }
        }
        console.endLive()
        PhaseTimer.shared.mark("check/run stages")
        try lockWriter.finish(declared: pipeline)
        files.hasher.save()
        for i in plan.pending { result.blocked.append(pipeline.stages[i].name) }
        return result
    }

    private func drawStatus() {
        var rows = [Int: LiveStatus.Row]()
        for (i, r) in running { rows[i] = LiveStatus.Row(name: pipeline.stages[i].name, started: r.started, progressFile: r.progressFile) }
        status.draw(done: plan.doneCount, total: plan.total, interrupted: interruptedAt != nil, running: rows)
    }

    /// The CPUs stage `i` asks for (`resources: {cpus: N}`), 1 when it does not say.
    private func cpus(of i: Int) -> Int { pipeline.stages[i].resources.cpus ?? 1 }

    /// Ctrl-C: stop launching, SIGTERM the running stages, SIGKILL them after the grace period.
    private func handleInterrupt() {
        if interruptedAt == nil && InterruptSignal.pending() != 0 {
            interruptedAt = AtomicFileIO.monotonicSeconds()
            result.interrupted = true
            console.error("interrupted: stopping \(running.count) running stage(s); finished stages are kept")
            executor.abort(force: false)
        }
        if let at = interruptedAt, !killed, AtomicFileIO.monotonicSeconds() - at > terminationGrace {
            executor.abort(force: true)
            killed = true
        }
    }

    /// An in-process runner that ignores cancellation cannot be killed: stop waiting for it (its
    /// temporaries are removed, its lock entry untouched) so the process can exit.
    private func abandonStuckStages() -> Bool {
        guard let at = interruptedAt, AtomicFileIO.monotonicSeconds() - at > terminationGrace + 3 else { return false }
        for (i, r) in running {
            files.discard(r.outputs)
            result.blocked.append(pipeline.stages[i].name)
            console.line("abandoned \(pipeline.stages[i].name) (it did not stop)")
        }
        running.removeAll()
        return true
    }

    // MARK: Launching

    /// A ready stage: skipped when up to date, otherwise started.
    private func launch(_ i: Int) {
        let stage = pipeline.stages[i]
        guard let runner = registry.runner(for: stage.kind) else { return fail(i, "no runner for kind '\(stage.kind)'", logs: []) }
        if let scanned = plan.scanned {
            return handOver(i, runner: runner, reasons: scanned[i] ?? [])
        }
        let check: Fingerprint
        do {
            check = try Fingerprint.check(stage, lock: lockWriter.lock, runner: runner, hasher: files.hasher, allReasons: false)
        } catch {
            return fail(i, error.description, logs: [])
        }
        if check.isUpToDate && !plan.forced.contains(i) { return upToDate(i) }
        if let missing = stage.inputs.first(where: { check.inputs[$0.path] == nil }) {
            return fail(i, "input \(missing.path) does not exist (declared at \(missing.location))", logs: [])
        }
        let reasons = check.reasons.isEmpty ? [OutOfDateReason.forced] : check.reasons
        do { try start(i, runner: runner, inputs: check.inputs, reasons: reasons) } catch {
            fail(i, error.description, logs: [])
        }
    }

    /// Starts a stage on this machine: its log, this make's temporary outputs, its context.
    private func start(_ i: Int, runner: any StageRunner, inputs: [String: String], reasons: [OutOfDateReason]) throws(PipelineError) {
        let stage = pipeline.stages[i]
        try files.refuseForeignOutputFolders(stage, built: lockWriter.lock.stages[stage.name])
        let log = try StageLog(path: files.logPath(stage))
        let slots = try files.prepare(stage)
        log.write("# rederive: stage \(stage.name) (\(stage.kind)) because \(reasons.map(\.description).joined(separator: "; "))\n")
        let r = Running(runner: runner, started: AtomicFileIO.monotonicSeconds(), inputs: inputs, log: log, logPath: log.path, outputs: slots)
        AtomicFileIO.remove(r.progressFile)
        let context = StageContext(stage: stage, projectRoot: project.root,
                                   inputs: stage.inputs.map { ($0.name, project.absolute($0.path)) },
                                   outputs: slots, log: log, progress: status.reporter(for: i),
                                   cancellation: Cancellation(), threads: threadsPerStage, progressFile: r.progressFile)
        running[i] = r
        plan.started(i)
        if !console.isInteractive { console.line("run    \(stage.name)") }
        executor.start(StageJob(index: i, runner: runner, context: context, cpus: cpus(of: i)))
    }

    /// Hands a stage the scan says will run to an executor that chains jobs itself; the plan
    /// makes its dependents ready at once (the executor orders them after it).
    private func handOver(_ i: Int, runner: any StageRunner, reasons: [OutOfDateReason]) {
        guard !reasons.isEmpty else { return upToDate(i) }
        running[i] = Running(runner: runner, started: AtomicFileIO.monotonicSeconds(), inputs: [:], log: nil,
                             logPath: files.logPath(pipeline.stages[i]), outputs: [])
        plan.started(i)
        executor.start(StageJob(index: i, runner: runner, context: nil))
    }

    // MARK: Applying results

    /// A job ended: move its outputs into place and record it, or discard them.
    private func apply(_ ended: StageResult) {
        let i = ended.index
        guard let r = running.removeValue(forKey: i) else { return }
        AtomicFileIO.remove(r.progressFile)
        status.forget(i)
        let stage = pipeline.stages[i]
        let logs = r.log != nil || AtomicFileIO.exists(r.logPath) ? [r.logPath] : []
        var duration = AtomicFileIO.monotonicSeconds() - r.started
        do throws(PipelineError) {
            let outputs: [String: String], inputs: [String: String]
            switch ended.outcome {
            case .succeeded:
                (outputs, inputs) = (try files.commit(stage, slots: r.outputs, built: lockWriter.lock.stages[stage.name]), r.inputs)
            case .succeededInPlace(let seconds):
                (outputs, inputs, duration) = (try files.hashOutputsInPlace(stage), try files.hashInputs(stage), seconds)
            case .upToDate:
                console.line("up to date \(stage.name)  (its inputs did not change)")
                return upToDate(i)
            case .failed(let message, let more):
                r.log?.write("# rederive: stage failed: \(message)\n")
                files.discard(r.outputs)
                return fail(i, message, logs: logs + more)
            case .blocked:
                plan.blocked(i)
                return result.blocked.append(stage.name)
            }
            lockWriter.record(stage, runner: r.runner, inputs: inputs, outputs: outputs, duration: duration)
        } catch {
            files.discard(r.outputs)
            r.log?.write("# rederive: stage failed: \(error.description)\n")
            return fail(i, error.description, logs: logs)
        }
        plan.succeeded(i)
        result.ran.append(stage.name)
        console.line(String(format: "ok     %@  (%.1fs)", stage.name, duration))
        for warning in StageLog.warnings(in: r.logPath) {
            result.warnings.append(warning)
            console.error(warning)
        }
    }

    private func upToDate(_ i: Int) {
        plan.succeeded(i)
        result.upToDate.append(pipeline.stages[i].name)
    }

    /// A stage that could not start, did not finish, or never ran. A failure (not a stop) is
    /// reported with its message, the last lines of its log (the cause is usually there: a bad
    /// config, a full disk) and the log's path, and as one line on the console.
    private func fail(_ i: Int, _ message: String, logs: [String]) {
        plan.failed(i)
        let name = pipeline.stages[i].name
        if interruptedAt != nil {
            result.blocked.append(name)
            console.line("stopped \(name)")
            return
        }
        let tail = logs.first.map { StageLog.tail(of: $0).map { "\n  | " + $0 }.joined() } ?? ""
        result.failed.append((name, message + tail, logs.first))
        console.line("FAILED \(name): \(message)" + logs.map { "\n       log: \(project.relativeDisplay($0))" }.joined())
    }
}
