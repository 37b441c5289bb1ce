import Foundation

/// What `rederive make` was asked to do.
public struct MakeOptions: Sendable {
    public var targets: [String] = []
    public var jobs: Int = 1
    public var dryRun = false
    public var force = false
    public var overrides: [ParamOverride] = []
    /// Wait for another `make` of the same pipeline instead of refusing.
    public var waitForLock = false
    /// Seconds between SIGTERM and SIGKILL for running stages after Ctrl-C.
    public var terminationGrace: Double = 5
    /// Run the stages as Slurm jobs instead of on this machine (`make --executor slurm`).
    public var slurm: SlurmOptions?

    public init() {}
}

/// How a `make` ended, stage by stage.
public struct MakeResult: Sendable {
    public var ran: [String] = []
    public var upToDate: [String] = []
    /// Stage, message and log path.
    public var failed: [(stage: String, message: String, log: String?)] = []
    /// Stages not run because a stage they depend on failed (or the run was interrupted).
    public var blocked: [String] = []
    /// "warning: " lines from the logs of stages that ran (a figure's layout audit findings),
    /// also printed as each stage finishes.
    public var warnings: [String] = []
    /// For a dry run: stage and why it would run.
    public var plan: [(stage: String, reasons: [OutOfDateReason])] = []
    public var interrupted = false
    /// Set when the no-op fast path answered: the number of stages, all up to date.
    public var noOpStageCount: Int?

    /// 0 ok, 1 a stage failed, 130 interrupted.
    public var exitCode: Int32 { interrupted ? 130 : (failed.isEmpty ? 0 : 1) }
}

/// Decides what is out of date and runs it, dependencies first, up to `jobs` at a time.
///
/// Each stage is checked only when every stage it depends on has finished, so its inputs are
/// hashed as they are now: a stage that reran but wrote identical bytes leaves its dependents up
/// to date (early cut-off). Outputs are written to temporary paths and renamed into place only
/// when the stage succeeds; the lock file is rewritten atomically as stages finish (at most once
/// a second) and at the end, so an interrupted run leaves no half-written output, no corrupt
/// lock, and the next `make` picks up where it stopped.
public final class Scheduler {
    let project: Project
    let pipeline: Pipeline
    let registry: StageRegistry
    let executor: any Executor
    let console: Console
    let hasher: FileHasher
    var lock: LockFile

    public init(project: Project, pipeline: Pipeline, registry: StageRegistry, executor: any Executor = LocalExecutor(),
                console: Console = Console()) throws(PipelineError) {
        self.project = project
        self.pipeline = pipeline
        self.registry = registry
        self.executor = executor
        self.console = console
        let state = project.stateFolder(artifacts: pipeline.artifacts)
        self.hasher = FileHasher(root: project.root, cachePath: state + "/\(project.name).hashes")
        PhaseTimer.shared.mark("hash cache load")
        self.lock = try LockFile.read(project.lockPath, pipeline: project.name)
        PhaseTimer.shared.mark("lock load")
    }

    // MARK: Planning (dry run, status)

    /// Every selected stage with its reasons to run (empty when up to date), in order. A stage
    /// downstream of one that will run is listed with `upstreamWillRun`.
    public func plan(targets: [String], force: Bool, allReasons: Bool) throws(PipelineError) -> [(stage: Int, reasons: [OutOfDateReason])] {
        let selected = try pipeline.selection(for: targets)
        var willRun = Set<Int>()
        var result = [(stage: Int, reasons: [OutOfDateReason])]()
        for i in selected {
            let stage = pipeline.stages[i]
            var reasons = [OutOfDateReason]()
            if force { reasons.append(.forced) }
            if let d = stage.dependencies.first(where: willRun.contains) { reasons.append(.upstreamWillRun(pipeline.stages[d].name)) }
            if reasons.isEmpty || allReasons {
                let version = registry.runner(for: stage.kind)?.codeVersion(for: stage)
                let check = try Fingerprint.check(stage, entry: lock.stages[stage.name], codeVersion: version, hasher: hasher, allReasons: allReasons)
                // An input an upstream stage will (re)write is not "missing" yet.
                reasons += check.reasons.filter { reason in
                    if case .inputMissing(let path) = reason, stage.inputs.contains(where: { $0.path == path && $0.producer.map(willRun.contains) == true }) { return false }
                    return true
                }
            }
            if !reasons.isEmpty { willRun.insert(i) }
            result.append((i, reasons))
        }
        hasher.save()
        return result
    }

    // MARK: Running

    private enum State { case pending, running, succeeded, failed, blocked }

    private struct Running {
        var started: Double
        var inputs: [String: String]
        var cancellation: Cancellation
        var log: StageLog
        var outputs: [StageOutputSlot]
        var progressFile: String
    }

    public func make(_ options: MakeOptions) throws(PipelineError) -> MakeResult {
        var result = MakeResult()
        if options.dryRun {
            for (i, reasons) in try plan(targets: options.targets, force: options.force, allReasons: false) {
                if reasons.isEmpty { result.upToDate.append(pipeline.stages[i].name) } else { result.plan.append((pipeline.stages[i].name, reasons)) }
            }
            return result
        }

        let selected = try pipeline.selection(for: options.targets)
        for i in selected where registry.runner(for: pipeline.stages[i].kind) == nil {
            let stage = pipeline.stages[i]
            throw PipelineError(.missingRunner, at: stage.kindLocation,
                                "stage '\(stage.name)' has kind '\(stage.kind)', which has no runner registered in this build",
                                hint: "registered kinds: \(registry.kinds.joined(separator: ", ")); build the module that provides '\(stage.kind.name)' or use a cmd: stage")
        }
        let jobs = max(1, options.jobs)
        let threadsPerStage = max(1, ProcessInfo.processInfo.activeProcessorCount / jobs)
        let dependents = pipeline.dependents()
        var state = [State](repeating: .blocked, count: pipeline.stages.count)
        for i in selected { state[i] = .pending }
        var remaining = pipeline.stages.map { $0.dependencies.count }
        var ready = PipelineExpander.Heap()
        for i in selected where remaining[i] == 0 { ready.push(i) }
        var running = [Int: Running]()
        let progress = LockedState([Int: (Double?, String?)]())
        let events = EventQueue()
        let logFolder = project.logFolder(artifacts: pipeline.artifacts)
        var lockDirty = false
        var lastLockWrite = AtomicFileIO.monotonicSeconds()
        var interruptedAt: Double?
        var killed = false
        var doneCount = 0
        var lockWriteFailed = false
        let total = selected.count

        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }

        func release(_ i: Int) {
            for j in dependents[i] {
                remaining[j] -= 1
                if remaining[j] == 0 && state[j] == .pending { ready.push(j) }
            }
        }

        func persistLock(force: Bool) throws(PipelineError) {
            guard lockDirty else { return }
            let now = AtomicFileIO.monotonicSeconds()
            if !force && now - lastLockWrite < 1 { return }
            try lock.write(to: project.lockPath)
            hasher.save()
            lockDirty = false
            lastLockWrite = now
        }

        func drawLive() {
            guard console.isInteractive else { return }
            let now = AtomicFileIO.monotonicSeconds()
            let snapshot = progress.withLock { $0 }
            var lines = ["[\(doneCount)/\(total)] \(running.count) running" + (interruptedAt != nil ? " - interrupted, stopping..." : "")]
            for i in running.keys.sorted() {
                let elapsed = now - running[i]!.started
                var text = "  \u{25B8} \(pipeline.stages[i].name)  \(String(format: "%.1fs", elapsed))"
                if let (fraction, message) = snapshot[i] ?? Scheduler.readProgressFile(running[i]!.progressFile) {
                    if let fraction { text += String(format: "  %3.0f%%", fraction * 100) }
                    if let message { text += "  " + message }
                }
                lines.append(text)
            }
            console.live(lines)
        }

        /// A stage that could not start or did not finish.
        func fail(_ i: Int, _ message: String, log: StageLog?) {
            state[i] = .failed
            doneCount += 1
            log?.write("# rederive: stage failed: \(message)\n")
            if interruptedAt != nil {
                result.blocked.append(pipeline.stages[i].name)
                console.line("stopped \(pipeline.stages[i].name)")
            } else {
                result.failed.append((pipeline.stages[i].name, message, log?.path))
                console.line("FAILED \(pipeline.stages[i].name): \(message)" + (log.map { "\n       log: \(project.relativeDisplay($0.path))" } ?? ""))
            }
        }

        /// Checks a ready stage against the lock: skips it when up to date, otherwise starts it.
        func launch(_ i: Int) {
            let stage = pipeline.stages[i]
            let runner = registry.runner(for: stage.kind)!
            let check: Fingerprint
            do {
                check = try Fingerprint.check(stage, entry: lock.stages[stage.name], codeVersion: runner.codeVersion(for: stage),
                                              hasher: hasher, allReasons: false)
            } catch {
                return fail(i, error.description, log: nil)
            }
            if check.isUpToDate && !options.force {
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
                log = try StageLog(path: logFolder + "/" + stage.name + ".log")
                slots = try prepareOutputs(stage)
            } catch {
                return fail(i, error.description, log: nil)
            }
            let reasons = check.reasons.isEmpty ? [OutOfDateReason.forced] : check.reasons
            log.write("# rederive: stage \(stage.name) (\(stage.kind)) because \(reasons.map(\.description).joined(separator: "; "))\n")
            let cancellation = Cancellation()
            let progressFile = log.path + ".progress"
            AtomicFileIO.remove(progressFile)
            let context = StageContext(stage: stage, projectRoot: project.root,
                                       inputs: stage.inputs.map { ($0.name, project.absolute($0.path)) },
                                       outputs: slots, log: log,
                                       progress: { fraction, message in progress.withLock { $0[i] = (fraction, message) } },
                                       cancellation: cancellation, threads: threadsPerStage, progressFile: progressFile)
            running[i] = Running(started: AtomicFileIO.monotonicSeconds(), inputs: check.inputs, cancellation: cancellation,
                                 log: log, outputs: slots, progressFile: progressFile)
            state[i] = .running
            if !console.isInteractive { console.line("run    \(stage.name)") }
            executor.start(StageJob(index: i, runner: runner, context: context)) { index, outcome in events.push(index, outcome) }
        }

        /// A job ended: move its outputs into place and record it, or discard them.
        func finish(_ i: Int, _ outcome: StageJobOutcome) {
            guard let r = running.removeValue(forKey: i) else { return }
            AtomicFileIO.remove(r.progressFile)
            progress.withLock { _ = $0.removeValue(forKey: i) }
            let stage = pipeline.stages[i]
            let duration = AtomicFileIO.monotonicSeconds() - r.started
            var failure: String?
            if case .failed(let message) = outcome { failure = message }
            if failure == nil {
                do {
                    let outputs = try commitOutputs(stage, slots: r.outputs)
                    record(stage, inputs: r.inputs, outputs: outputs, duration: duration)
                    lockDirty = true
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

        while true {
            if interruptedAt == nil && InterruptSignal.pending() != 0 {
                interruptedAt = AtomicFileIO.monotonicSeconds()
                result.interrupted = true
                console.error("interrupted: stopping \(running.count) running stage(s); finished stages are kept")
                for (_, r) in running { r.cancellation.cancel() }
            }
            if let at = interruptedAt, !killed, AtomicFileIO.monotonicSeconds() - at > options.terminationGrace {
                for (_, r) in running { r.cancellation.cancel(force: true) }
                killed = true
            }
            // An in-process runner that ignores cancellation cannot be killed; stop waiting for it
            // (its temporaries are removed, its lock entry untouched) and let the process exit.
            if let at = interruptedAt, AtomicFileIO.monotonicSeconds() - at > options.terminationGrace + 3 {
                for (i, r) in running {
                    for slot in r.outputs { AtomicFileIO.remove(slot.temporaryPath) }
                    result.blocked.append(pipeline.stages[i].name)
                    console.line("abandoned \(pipeline.stages[i].name) (it did not stop)")
                }
                running.removeAll()
                break
            }

            while interruptedAt == nil, running.count < jobs, let i = ready.pop() {
                launch(i)
            }

            if running.isEmpty && (ready.items.isEmpty || interruptedAt != nil) { break }
            drawLive()
            for (i, outcome) in events.wait(timeout: 0.1) { finish(i, outcome) }
            do {
                try persistLock(force: false)
            } catch {
                // Keep going (running stages must still be collected); the final write reports it.
                if !lockWriteFailed { console.error("warning: \(error.description)") }
                lockWriteFailed = true
            }
        }
        console.endLive()
        PhaseTimer.shared.mark("check/run stages")
        if dropUndeclaredLockEntries() { lockDirty = true }
        try persistLock(force: true)
        hasher.save()
        for i in selected where state[i] == .pending { result.blocked.append(pipeline.stages[i].name) }
        return result
    }

    /// Records a stage that succeeded in the lock (in memory): the one place every executor does it.
    func record(_ stage: Stage, inputs: [String: String], outputs: [String: String], duration: Double) {
        var entry = LockEntry(kind: stage.kind.description,
                              codeVersion: registry.runner(for: stage.kind)!.codeVersion(for: stage),
                              params: stage.params, inputs: inputs, outputs: outputs, durationSeconds: duration)
        // The same build rebuilt (e.g. a fresh clone regenerating its intermediates) keeps the
        // recorded duration, so the lock file stays byte-identical.
        if let previous = lock.stages[stage.name], previous.sameBuild(as: entry) {
            entry.durationSeconds = previous.durationSeconds
        }
        lock.stages[stage.name] = entry
    }

    /// Drops lock entries of stages no longer declared (expansions of declared stages are kept:
    /// an override may have narrowed a sweep for one run). Returns whether any was dropped.
    func dropUndeclaredLockEntries() -> Bool {
        let declaredBases = Set(pipeline.stages.map(\.baseName))
        var dropped = false
        for name in lock.stages.keys where !declaredBases.contains(String(name.split(separator: "@", maxSplits: 1)[0])) {
            lock.stages.removeValue(forKey: name)
            dropped = true
        }
        return dropped
    }

    /// The last line of a stage's progress file: `0.42 message` or `42% message`.
    static func readProgressFile(_ path: String) -> (Double?, String?)? {
        guard let bytes = try? AtomicFileIO.readIfExists(path), !bytes.isEmpty else { return nil }
        guard let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").last else { return nil }
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let first = parts.first else { return nil }
        let message = parts.count > 1 ? parts[1] : nil
        if first.hasSuffix("%"), let percent = Double(first.dropLast()) { return (percent / 100, message) }
        if let fraction = Double(first) { return (fraction, message) }
        return (nil, String(line))
    }

    /// `dir/.rederive-tmp.name.ext`: hidden, in the same folder (so the rename is atomic), and
    /// with the output's extension last, for writers that pick a format from it (PNG vs PDF).
    static func temporaryPath(for final: String) -> String {
        let slash = final.lastIndex(of: "/")!
        return String(final[..<slash]) + "/.rederive-tmp." + final[final.index(after: slash)...]
    }

    /// Temporary paths next to each output (same folder, so the final rename is atomic). Stale
    /// temporaries from a killed run are removed; folder outputs get an empty temporary folder.
    func prepareOutputs(_ stage: Stage) throws(PipelineError) -> [StageOutputSlot] {
        var slots = [StageOutputSlot]()
        for output in stage.outputs {
            let final = project.absolute(output.path)
            let parent = folder(of: final)
            let temporary = Scheduler.temporaryPath(for: final)
            try AtomicFileIO.makeFolders(parent)
            AtomicFileIO.remove(temporary)
            if output.isDirectory { try AtomicFileIO.makeFolders(temporary) }
            slots.append(StageOutputSlot(name: output.name, path: final, temporaryPath: temporary, isDirectory: output.isDirectory))
        }
        return slots
    }

    /// Renames each temporary output into place and hashes it.
    func commitOutputs(_ stage: Stage, slots: [StageOutputSlot]) throws(PipelineError) -> [String: String] {
        for (slot, output) in zip(slots, stage.outputs) where !AtomicFileIO.exists(slot.temporaryPath) {
            throw PipelineError(.io, at: output.location, "stage finished but did not write output \(output.path)",
                                hint: "a stage writes each output at its temporary path ($OUT_... for cmd stages); the engine moves it into place")
        }
        var hashes = [String: String]()
        for (slot, output) in zip(slots, stage.outputs) {
            if slot.isDirectory || AtomicFileIO.isDirectory(slot.path) {
                let old = slot.path + ".rederive-old"
                AtomicFileIO.remove(old)
                if AtomicFileIO.exists(slot.path) && rename(slot.path, old) != 0 {
                    throw PipelineError(.io, at: nil, "cannot replace \(slot.path): \(String(cString: strerror(errno)))")
                }
                if rename(slot.temporaryPath, slot.path) != 0 {
                    throw PipelineError(.io, at: nil, "cannot move \(slot.temporaryPath) to \(slot.path): \(String(cString: strerror(errno)))")
                }
                AtomicFileIO.remove(old)
            } else if rename(slot.temporaryPath, slot.path) != 0 {
                throw PipelineError(.io, at: nil, "cannot move \(slot.temporaryPath) to \(slot.path): \(String(cString: strerror(errno)))")
            }
            hasher.forget(output.path)
            hashes[output.path] = try hasher.hash(output.path) ?? ""
        }
        return hashes
    }
}

/// Finished jobs, handed from executor threads to the scheduler's loop.
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
