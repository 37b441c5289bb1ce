#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on a file, so that two `rederive make` runs of one pipeline never run at
/// once. The kernel drops the lock when the process ends, even on SIGKILL, so a stale lock file
/// never blocks anyone. The file holds the owner's pid for the message.
public final class ProcessLock {
    private let fd: Int32
    public let path: String

    /// Takes the lock; if another process holds it, throws (or, with `wait`, calls `waiting`
    /// with the holder's pid and blocks until it is free).
    public init(path: String, pipeline: String, wait: Bool, waiting: (String) -> Void = { _ in }) throws(PipelineError) {
        try AtomicFileIO.makeFolders(parentOf: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PipelineError(.io, at: nil, "cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = ProcessLock.holder(fd)
            guard wait else {
                close(fd)
                throw PipelineError(.locked, at: nil, "another rederive make\(holder.map { " (pid \($0))" } ?? "") is running pipeline '\(pipeline)'",
                                    hint: "wait for it to finish, or run with --wait to queue behind it (lock: \(path))")
            }
            waiting(holder ?? "?")
            while flock(fd, LOCK_EX) != 0 {
                if errno != EINTR { close(fd); throw PipelineError(.io, at: nil, "cannot lock \(path): \(String(cString: strerror(errno)))") }
            }
        }
        ftruncate(fd, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
        self.path = path
    }

    private static func holder(_ fd: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 31, 0) }
        guard n > 0 else { return nil }
        let text = String(nulTerminated: buffer).trimmingSpaces.split(separator: "\n").first.map(String.init)
        return text.flatMap { Int($0) != nil ? $0 : nil }
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
