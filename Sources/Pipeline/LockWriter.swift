/// The lock a make writes, owned by its `Builder` (ninja's build log): it starts from a copy of
/// the lock file as the make found it, takes a record as each stage succeeds, and writes itself
/// at most once a second while stages run (a failed write is a warning once, since running
/// stages must still be collected) and at the end (where a failure is an error).
struct LockWriter {
    /// The lock as recorded so far: the builder checks each stage against it.
    private(set) var lock: LockFile
    private let path: String
    private let console: Console
    private var dirty = false
    private var lastWrite = AtomicFileIO.monotonicSeconds()
    private var warned = false

    init(_ lock: LockFile, path: String, console: Console) {
        self.lock = lock
        self.path = path
        self.console = console
    }

    /// Records a stage that succeeded, in memory until the next write.
    mutating func record(_ stage: Stage, runner: any StageRunner, inputs: [String: String], outputs: [String: String], duration: Double) {
        lock.record(stage, runner: runner, inputs: inputs, outputs: outputs, duration: duration)
        dirty = true
    }

    /// Writes if something changed and a second has passed; warns (once) instead of throwing.
    /// Returns whether it wrote.
    mutating func persistSoon() -> Bool {
        guard dirty, AtomicFileIO.monotonicSeconds() - lastWrite >= 1 else { return false }
        do { return try persist() } catch {
            if !warned { console.error("warning: \(error.description)") }
            warned = true
            return false
        }
    }

    /// Drops entries of stages `pipeline` no longer declares, then writes the lock if changed.
    mutating func finish(declared pipeline: Pipeline) throws(PipelineError) {
        if lock.dropUndeclared(by: pipeline) { dirty = true }
        _ = try persist()
    }

    private mutating func persist() throws(PipelineError) -> Bool {
        lastWrite = AtomicFileIO.monotonicSeconds()
        guard dirty else { return false }
        try lock.write(to: path)
        dirty = false
        return true
    }
}

extension LockFile {
    /// Records a stage that succeeded: the one place a make (`LockWriter`) or a
    /// `run-stage --record` does it.
    mutating func record(_ stage: Stage, runner: any StageRunner, inputs: [String: String], outputs: [String: String], duration: Double) {
        var entry = LockEntry(kind: stage.kind.description, codeVersion: runner.codeVersion(for: stage),
                              params: stage.params, inputs: inputs, outputs: outputs, durationSeconds: duration)
        let files = runner.codeSources(for: stage)
        if !files.isEmpty { sources[entry.codeVersion] = files }
        // The same build rebuilt (e.g. a fresh clone regenerating its intermediates) keeps the
        // recorded duration, so the lock file stays byte-identical.
        if let previous = stages[stage.name], previous.sameBuild(as: entry) {
            entry.durationSeconds = previous.durationSeconds
        }
        stages[stage.name] = entry
    }

    /// Drops entries of stages `pipeline` no longer declares (expansions of declared stages are
    /// kept: an override may have narrowed a sweep for one run). Returns whether any was dropped.
    mutating func dropUndeclared(by pipeline: Pipeline) -> Bool {
        let declaredBases = Set(pipeline.stages.map(\.baseName))
        var dropped = false
        for name in stages.keys where !declaredBases.contains(String(name.split(separator: "@", maxSplits: 1)[0])) {
            stages.removeValue(forKey: name)
            dropped = true
        }
        return dropped
    }
}
