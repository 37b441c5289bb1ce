import Foundation

/// Runs a make's plan: takes stages whose dependencies are done, checks each against the lock
/// when its turn comes (so a dependency rebuilt to identical bytes leaves it alone: early
/// cut-off), hands the out-of-date ones to the executor, and moves their outputs into place and
/// records them as they end. Ctrl-C stops launching and aborts what runs; the lock keeps what
/// finished.
final class Builder {
    private enum State { case pending, running, succeeded, failed, blocked }

    private struct Running {
        var started: Double
        var inputs: [String: String]
        var log: StageLog
        var outputs: [StageOutputSlot]
        var progressFile: String
    }

    private let scheduler: Scheduler
    private let executor: any Executor
    private let options: MakeOptions
    private let forced: Set<Int>
    private let lockWriter: LockWriter
    private let dependents: [[Int]]
    private let total: Int
    private let threadsPerStage: Int
    private var state: [State]
    private var remaining: [Int]
    private var ready = PipelineExpander.Heap()
    private var running = [Int: Running]()
    private let progress = LockedState([Int: (Double?, String?)]())
    private var interruptedAt: Double?
    private var killed = false
    private var doneCount = 0
    private var result = MakeResult()

    private var pipeline: Pipeline { scheduler.pipeline }
    private var console: Console { scheduler.console }
    private var project: Project { scheduler.project }

    init(_ scheduler: Scheduler, executor: any Executor, options: MakeOptions, selected: [Int], forced: Set<Int>) {
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
    }

    /// Runs until every selected stage is done, failed or blocked, or the run was interrupted.
    func run() throws(PipelineError) -> MakeResult {
        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }
        _ = OrphanGuard.shared
        while true {
            handleInterrupt()
            if abandonStuckStages() { break }
            while interruptedAt == nil, executor.canRunMore(), let i = ready.pop() { launch(i) }
            if running.isEmpty && (ready.items.isEmpty || interruptedAt != nil) { break }
            drawLive()
            for (i, outcome) in executor.wait(timeout: 0.1) { finish(i, outcome) }
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
        for i in running.keys.sorted() {
            var text = "  \u{25B8} \(pipeline.stages[i].name)  \(String(format: "%.1fs", now - running[i]!.started))"
            if let (fraction, message) = snapshot[i] ?? Scheduler.readProgressFile(running[i]!.progressFile) {
                if let fraction { text += String(format: "  %3.0f%%", fraction * 100) }
                if let message { text += "  " + message }
            }
            lines.append(text)
        }
        console.live(lines)
    }

    /// A stage that could not start or did not finish.
    private func fail(_ i: Int, _ message: String, log: StageLog?) {
        state[i] = .failed
        doneCount += 1
        log?.write("# rederive: stage failed: \(message)\n")
        if interruptedAt != nil {
            result.blocked.append(pipeline.stages[i].name)
            console.line("stopped \(pipeline.stages[i].name)")
        } else {
            recordFailure(pipeline.stages[i].name, message, logs: log.map { [$0.path] } ?? [], into: &result, project: project, console: console)
        }
    }

    /// Checks a ready stage against the lock: skips it when up to date, otherwise starts it.
    private func launch(_ i: Int) {
        let stage = pipeline.stages[i]
        guard let runner = scheduler.registry.runner(for: stage.kind) else { return fail(i, "no runner for kind '\(stage.kind)'", log: nil) }
        let check: Fingerprint
        do {
            check = try Fingerprint.check(stage, lock: scheduler.lock, runner: runner, hasher: scheduler.hasher, allReasons: false)
        } catch {
            return fail(i, error.description, log: nil)
        }
        if check.isUpToDate && !forced.contains(i) {
            state[i] = .succeeded
            doneCount += 1
            result.upToDate.append(stage.name)
            release(i)
            return
        }
        if let missing = stage.inputs.first(where: { check.inputs[$0.path] == nil }) {
            return fail(i, "input \(missing.path) does not exist (declared at \(missing.location))", log: nil)
        }
        let log: StageLog
        let slots: [StageOutputSlot]
        do {
            log = try StageLog(path: project.logFolder(artifacts: pipeline.artifacts) + "/" + stage.name + ".log")
            slots = try scheduler.prepareOutputs(stage)
        } catch {
            return fail(i, error.description, log: nil)
        }
        let reasons = check.reasons.isEmpty ? [OutOfDateReason.forced] : check.reasons
        log.write("# rederive: stage \(stage.name) (\(stage.kind)) because \(reasons.map(\.description).joined(separator: "; "))\n")
        let progressFile = log.path + ".progress"
        AtomicFileIO.remove(progressFile)
        let progress = self.progress
        let context = StageContext(stage: stage, projectRoot: project.root,
                                   inputs: stage.inputs.map { ($0.name, project.absolute($0.path)) },
                                   outputs: slots, log: log,
                                   progress: { fraction, message in progress.withLock { $0[i] = (fraction, message) } },
                                   cancellation: Cancellation(), threads: threadsPerStage, progressFile: progressFile)
        running[i] = Running(started: AtomicFileIO.monotonicSeconds(), inputs: check.inputs, log: log, outputs: slots, progressFile: progressFile)
        state[i] = .running
        if !console.isInteractive { console.line("run    \(stage.name)") }
        executor.start(StageJob(index: i, runner: runner, context: context))
    }

    /// A job ended: move its outputs into place and record it, or discard them.
    private func finish(_ i: Int, _ outcome: StageJobOutcome) {
        guard let r = running.removeValue(forKey: i) else { return }
        AtomicFileIO.remove(r.progressFile)
        progress.withLock { _ = $0.removeValue(forKey: i) }
        let stage = pipeline.stages[i]
        let duration = AtomicFileIO.monotonicSeconds() - r.started
        var failure: String?
        if case .failed(let message) = outcome { failure = message }
        if failure == nil {
            do {
                let outputs = try scheduler.commitOutputs(stage, slots: r.outputs)
                scheduler.record(stage, inputs: r.inputs, outputs: outputs, duration: duration)
                lockWriter.changed()
                state[i] = .succeeded
                doneCount += 1
                result.ran.append(stage.name)
                console.line(String(format: "ok     %@  (%.1fs)", stage.name, duration))
                for warning in r.log.warnings() {
                    result.warnings.append(warning)
                    console.error(warning)
                }
                release(i)
                return
            } catch {
                failure = error.description
            }
        }
        for slot in r.outputs { AtomicFileIO.remove(slot.temporaryPath) }
        fail(i, failure ?? "failed", log: r.log)
    }
}
