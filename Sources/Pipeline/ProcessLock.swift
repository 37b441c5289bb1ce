#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file, so that two `rederive make` runs of one pipeline never run at
/// once. The kernel drops the lock when the process ends, even on SIGKILL, so a stale lock file
/// never blocks anyone. The file holds the owner's pid and, on a second line, the command that
/// holds it (`make`, `clean`, `run-stage`), so that a refused command says which one is running.
public final class ProcessLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock; if another process holds it, throws (or, with `wait`, calls `waiting`
    /// with the holder's pid and blocks until it is free). `command` names this holder.
    public init(path: String, pipeline: String, wait: Bool, command: String = "make",
                waiting: (String) -> Void = { _ in }) throws(PipelineError) {
        try AtomicFileIO.makeFolders(parentOf: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(.io, at: nil, "cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let (holder, holderCommand) = ProcessLock.holder(fd)
            guard wait else {
                close(fd)
                let pid = holder.map { " (pid \($0))" } ?? ""
                let message = holderCommand == "make" ? "another rederive make\(pid) is running pipeline '\(pipeline)'"
                    : "a rederive \(holderCommand) is running on pipeline '\(pipeline)'\(pid)"
                throw PipelineError(.locked, at: nil, message,
                                    hint: "wait for it to finish" + (command == "make" ? ", or run with --wait to queue behind it" : "")
                                        + " (lock: \(path))")
            }
            waiting(holder ?? "?")
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { close(fd); throw PipelineError(.io, at: nil, "cannot lock \(path): \(String(cString: strerror(errno)))") }
            }
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n\(command)\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
        self.path = path
    }

    /// The holder's pid and command; a lock file of an older rederive has no command: a make.
    private static func holder(_ fd: Int32) -> (pid: String?, command: String) {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 63, 0) }
        guard n > 0 else { return (nil, "make") }
        let lines = String(nulTerminated: buffer).trimmingSpaces.split(separator: "\n").map(String.init)
        let pid = lines.first.flatMap { Int($0) != nil ? $0 : nil }
        let command = lines.count > 1 && lines[1].allSatisfy({ $0.isLetter || $0 == "-" }) && !lines[1].isEmpty ? lines[1] : "make"
        return (pid, command)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Ctrl-C and `kill` while `make` runs: the handler only sets a flag; the scheduler polls it,
/// stops launching stages, stops the running ones and writes the lock file with what finished.
enum InterruptSignal {
    nonisolated(unsafe) static var received: Int32 = 0

    static func install() {
        received = 0
        let handler: @convention(c) (Int32) -> Void = { signal in InterruptSignal.received = signal }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        signal(SIGHUP, handler)
    }

    static func uninstall() {
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGHUP, SIG_DFL)
    }

    @inline(never) static func pending() -> Int32 { received }
}
