/// Writes a make's lock file as stages finish, for every executor: at most once a second while
/// running (a failed write is a warning once, since running stages must still be collected), and
/// at the end (where a failure is an error).
final class LockWriter {
    private let scheduler: Scheduler
    private let console: Console
    private var dirty = false
    private var lastWrite = AtomicFileIO.monotonicSeconds()
    private var warned = false

    init(_ scheduler: Scheduler, console: Console) {
        self.scheduler = scheduler
        self.console = console
    }

    func changed() { dirty = true }

    /// Writes if something changed and a second has passed; warns (once) instead of throwing.
    func persistSoon() {
        guard dirty, AtomicFileIO.monotonicSeconds() - lastWrite >= 1 else { return }
        do { try persist() } catch {
            if !warned { console.error("warning: \(error.description)") }
            warned = true
        }
    }

    /// Drops entries of undeclared stages, then writes the lock (if changed) and the hash cache.
    func finish() throws(PipelineError) {
        if scheduler.dropUndeclaredLockEntries() { dirty = true }
        try persist()
        scheduler.hasher.save()
    }

    private func persist() throws(PipelineError) {
        lastWrite = AtomicFileIO.monotonicSeconds()
        guard dirty else { return }
        try scheduler.lock.write(to: scheduler.project.lockPath)
        scheduler.hasher.save()
        dirty = false
    }
}

/// A stage that failed, as every executor reports it: in the result with its message, the last
/// lines of its log (the cause is usually there: a bad config, a full disk) and the log's path,
/// and as one line on the console.
func recordFailure(_ name: String, _ message: String, logs: [String], into result: inout MakeResult, project: Project, console: Console) {
    let tail = logs.first.map { StageLog.tail(of: $0).map { "\n  | " + $0 }.joined() } ?? ""
    result.failed.append((name, message + tail, logs.first))
    console.line("FAILED \(name): \(message)" + logs.map { "\n       log: \(project.relativeDisplay($0))" }.joined())
}
