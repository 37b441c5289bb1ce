import Foundation

/// Runs a make's plan through an executor, the same for every executor: takes stages whose
/// dependencies are done, checks each against the lock when its turn comes (so a dependency
/// rebuilt to identical bytes leaves it alone: early cut-off), hands the out-of-date ones to the
/// executor, and moves their outputs into place and records them as they end. Ctrl-C stops
/// launching and aborts what runs; the lock keeps what finished.
///
/// An executor that chains jobs itself (Slurm) gets every stage the plan says will run at once,
/// dependencies first; its jobs make the early cut-off check where they run.
final class Builder {
    private enum State { case pending, running, succeeded, failed, blocked }

    private struct Running {
        var started: Double
        /// Input hashes when the stage was checked (empty for chained jobs: hashed when they end).
        var inputs: [String: String]
        var log: StageLog?
        var logPath: String
        var outputs: [StageOutputSlot]
        var progressFile: String { logPath + ".progress" }
    }

    private let scheduler: Scheduler
    private let executor: any Executor
    private let options: MakeOptions
    private let forced: Set<Int>
    private let lockWriter: LockWriter
    private let dependents: [[Int]]
    private let total: Int
    private let threadsPerStage: Int
    /// For chaining executors: the plan's reasons to run, by stage (empty when up to date).
    private var planned = [Int: [OutOfDateReason]]()
    private var state: [State]
    private var remaining: [Int]
    private var ready = PipelineExpander.Heap()
    private var running = [Int: Running]()
    private let progress = LockedState([Int: (Double?, String?)]())
    private var interruptedAt: Double?
    private var killed = false
    private var doneCount = 0
    private var result = MakeResult()

    /// The CPUs stage `i` asks for (`resources: {cpus: N}`), 1 when it does not say.
    private func cpus(of i: Int) -> Int { pipeline.stages[i].resources.cpus ?? 1 }

    private var pipeline: Pipeline { scheduler.pipeline }
    private var console: Console { scheduler.console }
    private var project: Project { scheduler.project }

    init(_ scheduler: Scheduler, executor: any Executor, options: MakeOptions, selected: [Int], forced: Set<Int>) throws(PipelineError) {
        self.scheduler = scheduler
        self.executor = executor
        self.options = options
        self.forced = forced
        lockWriter = LockWriter(scheduler, console: scheduler.console)
        dependents = scheduler.pipeline.dependents()
        total = selected.count
        threadsPerStage = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, options.jobs))
        state = [State](repeating: .blocked, count: scheduler.pipeline.stages.count)
        remaining = scheduler.pipeline.stages.map { $0.dependencies.count }
        for i in selected { state[i] = .pending }
        for i in selected where remaining[i] == 0 { ready.push(i) }
        if executor.chainsDependencies {
            let plan = try scheduler.plan(targets: options.targets, force: options.force, forceUpstream: options.forceUpstream, allReasons: false)
            for (i, reasons) in plan { planned[i] = reasons }
        }
    }

    /// Runs until every selected stage is done, failed or blocked, or the run was interrupted.
    func run() throws(PipelineError) -> MakeResult {
        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }
        _ = OrphanGuard.shared
        while true {
            handleInterrupt()
            if abandonStuckStages() { break }
            while interruptedAt == nil, let i = ready.first, executor.canStart(cpus: cpus(of: i)) {
                _ = ready.pop()
                launch(i)
            }
            if running.isEmpty && (ready.items.isEmpty || interruptedAt != nil) { break }
            drawLive()
            for (i, outcome) in try executor.wait(timeout: 0.1) { finish(i, outcome) }
            lockWriter.persistSoon()
        }
        console.endLive()
        PhaseTimer.shared.mark("check/run stages")
        try lockWriter.finish()
        for i in state.indices where state[i] == .pending { result.blocked.append(pipeline.stages[i].name) }
        return result
    }

    /// Ctrl-C: stop launching, SIGTERM the running stages, SIGKILL them after the grace period.
    private func handleInterrupt() {
        if interruptedAt == nil && InterruptSignal.pending() != 0 {
            interruptedAt = AtomicFileIO.monotonicSeconds()
            result.interrupted = true
            console.error("interrupted: stopping \(running.count) running stage(s); finished stages are kept")
            executor.abort(force: false)
        }
        if let at = interruptedAt, !killed, AtomicFileIO.monotonicSeconds() - at > options.terminationGrace {
            executor.abort(force: true)
            killed = true
        }
    }

    /// An in-process runner that ignores cancellation cannot be killed: stop waiting for it (its
    /// temporaries are removed, its lock entry untouched) so the process can exit.
    private func abandonStuckStages() -> Bool {
        guard let at = interruptedAt, AtomicFileIO.monotonicSeconds() - at > options.terminationGrace + 3 else { return false }
        for (i, r) in running {
            for slot in r.outputs { AtomicFileIO.remove(slot.temporaryPath) }
            result.blocked.append(pipeline.stages[i].name)
            console.line("abandoned \(pipeline.stages[i].name) (it did not stop)")
        }
        running.removeAll()
        return true
    }

    private func release(_ i: Int) {
        for j in dependents[i] {
            remaining[j] -= 1
            if remaining[j] == 0 && state[j] == .pending { ready.push(j) }
        }
    }

    private func drawLive() {
        guard console.isInteractive else { return }
        let now = AtomicFileIO.monotonicSeconds()
        let snapshot = progress.withLock { $0 }
        var lines = ["[\(doneCount)/\(total)] \(running.count) running" + (interruptedAt != nil ? " - interrupted, stopping..." : "")]
        for (i, r) in running.sorted(by: { $0.key < $1.key }) {
            var text = "  \u{25B8} \(pipeline.stages[i].name)  \(String(format: "%.1fs", now - r.started))"
            if let (fraction, message) = snapshot[i] ?? Scheduler.readProgressFile(r.progressFile) {
                if let fraction { text += String(format: "  %3.0f%%", fraction * 100) }
                if let message { text += "  " + message }
            }
            lines.append(text)
        }
        console.live(lines)
    }

    /// A stage that could not start, did not finish, or never ran.
    private func fail(_ i: Int, _ message: String, logs: [String]) {
        state[i] = .failed
        doneCount += 1
        if interruptedAt != nil {
            result.blocked.append(pipeline.stages[i].name)
            console.line("stopped \(pipeline.stages[i].name)")
        } else {
            recordFailure(pipeline.stages[i].name, message, logs: logs, into: &result, project: project, console: console)
        }
    }

    private func upToDate(_ i: Int) {
        state[i] = .succeeded
        doneCount += 1
        result.upToDate.append(pipeline.stages[i].name)
    }

    /// A ready stage: skipped when up to date, otherwise started.
    private func launch(_ i: Int) {
        let stage = pipeline.stages[i]
        guard let runner = scheduler.registry.runner(for: stage.kind) else { return fail(i, "no runner for kind '\(stage.kind)'", logs: []) }
        if executor.chainsDependencies {
            return launchChained(i, runner: runner)
        }
        let check: Fingerprint
        do {
            check = try Fingerprint.check(stage, lock: scheduler.lock, runner: runner, hasher: scheduler.hasher, allReasons: false)
        } catch {
            return fail(i, error.description, logs: [])
        }
        if check.isUpToDate && !forced.contains(i) {
            upToDate(i)
            return release(i)
        }
        if let missing = stage.inputs.first(where: { check.inputs[$0.path] == nil }) {
            return fail(i, "input \(missing.path) does not exist (declared at \(missing.location))", logs: [])
        }
        let reasons = check.reasons.isEmpty ? [OutOfDateReason.forced] : check.reasons
        do { try launchHere(i, runner: runner, inputs: check.inputs, reasons: reasons) } catch {
            fail(i, error.description, logs: [])
        }
    }

    /// Starts a stage on this machine: its log, this make's temporary outputs, its context.
    private func launchHere(_ i: Int, runner: any StageRunner, inputs: [String: String], reasons: [OutOfDateReason]) throws(PipelineError) {
        let stage = pipeline.stages[i]
        try scheduler.refuseForeignOutputFolders(stage)
        let log = try StageLog(path: scheduler.logPath(stage))
        let slots = try scheduler.prepareOutputs(stage)
        log.write("# rederive: stage \(stage.name) (\(stage.kind)) because \(reasons.map(\.description).joined(separator: "; "))\n")
        let r = Running(started: AtomicFileIO.monotonicSeconds(), inputs: inputs, log: log, logPath: log.path, outputs: slots)
        AtomicFileIO.remove(r.progressFile)
        let progress = self.progress
        let context = StageContext(stage: stage, projectRoot: project.root,
                                   inputs: stage.inputs.map { ($0.name, project.absolute($0.path)) },
                                   outputs: slots, log: log,
                                   progress: { fraction, message in progress.withLock { $0[i] = (fraction, message) } },
                                   cancellation: Cancellation(), threads: threadsPerStage, progressFile: r.progressFile)
        running[i] = r
        state[i] = .running
        if !console.isInteractive { console.line("run    \(stage.name)") }
        executor.start(StageJob(index: i, runner: runner, context: context, cpus: cpus(of: i)))
    }

    /// Hands a stage the plan says will run to an executor that chains jobs itself, and makes
    /// its dependents ready at once (the executor orders them after it).
    private func launchChained(_ i: Int, runner: any StageRunner) {
        guard let reasons = planned[i], !reasons.isEmpty else {
            upToDate(i)
            return release(i)
        }
        running[i] = Running(started: AtomicFileIO.monotonicSeconds(), inputs: [:], log: nil,
                             logPath: scheduler.logPath(pipeline.stages[i]), outputs: [])
        state[i] = .running
        executor.start(StageJob(index: i, runner: runner, context: nil))
        release(i)
    }

    /// A job ended: move its outputs into place and record it, or discard them.
    private func finish(_ i: Int, _ outcome: StageJobOutcome) {
        guard let r = running.removeValue(forKey: i) else { return }
        AtomicFileIO.remove(r.progressFile)
        progress.withLock { _ = $0.removeValue(forKey: i) }
        let stage = pipeline.stages[i]
        let logs = r.log != nil || AtomicFileIO.exists(r.logPath) ? [r.logPath] : []
        var duration = AtomicFileIO.monotonicSeconds() - r.started
        do throws(PipelineError) {
            let outputs: [String: String], inputs: [String: String]
            switch outcome {
            case .succeeded:
                (outputs, inputs) = (try scheduler.commitOutputs(stage, slots: r.outputs), r.inputs)
            case .succeededInPlace(let seconds):
                (outputs, inputs, duration) = (try scheduler.hashOutputsInPlace(stage), try scheduler.hashInputs(stage), seconds)
            case .upToDate:
                console.line("up to date \(stage.name)  (its inputs did not change)")
                return upToDate(i)
            case .failed(let message, let more):
                r.log?.write("# rederive: stage failed: \(message)\n")
                for slot in r.outputs { AtomicFileIO.remove(slot.temporaryPath) }
                return fail(i, message, logs: logs + more)
            case .blocked:
                state[i] = .blocked
                doneCount += 1
                return result.blocked.append(stage.name)
            }
            scheduler.record(stage, inputs: inputs, outputs: outputs, duration: duration)
        } catch {
            for slot in r.outputs { AtomicFileIO.remove(slot.temporaryPath) }
            r.log?.write("# rederive: stage failed: \(error.description)\n")
            return fail(i, error.description, logs: logs)
        }
        lockWriter.changed()
        state[i] = .succeeded
        doneCount += 1
        result.ran.append(stage.name)
        console.line(String(format: "ok     %@  (%.1fs)", stage.name, duration))
        for warning in StageLog.warnings(in: r.logPath) {
            result.warnings.append(warning)
            console.error(warning)
        }
        if !executor.chainsDependencies { release(i) }
    }
}
