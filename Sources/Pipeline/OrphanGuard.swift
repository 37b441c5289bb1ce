#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes stage processes die with the `make` that started them, however it dies (`kill -9`
/// included), so that no orphan writes into the next `make`'s temporaries or its lock.
///
/// Each stage runs in a process group of its own (so Ctrl-C at a terminal reaches only the
/// engine, which then stops its stages in order). A small watchdog shell, started once per
/// process in its own group, reads `+PGID` / `-PGID` lines from a pipe whose only write end
/// this process holds (close-on-exec, so no stage inherits it). When this process exits, the
/// kernel closes the pipe; the watchdog reads end-of-file and sends SIGKILL to every group still
/// listed. A normal `make` has released every group by then, so it kills nothing.
/// (`PR_SET_PDEATHSIG` would cover only children that set it themselves, not `cmd:` shells.)
final class OrphanGuard: Sendable {
    static let shared = OrphanGuard()

    /// The write end of the watchdog's pipe, or -1 if it could not start (then stages still run).
    private let writeEnd: Int32

    static let script = """
    trap '' INT TERM HUP
    live=" "
    while read -r op pg; do
      case "$op$live" in
        +*) live="$live$pg " ;;
        -*" $pg "*) live="${live%% $pg *} ${live#* $pg }" ;;
      esac
    done
    for pg in $live; do kill -9 -"$pg" 2>/dev/null; done
    """

    private init() {
        // Started before any stage (`Builder.run`), so no spawn on another thread can
        // inherit the pipe between its creation and close-on-exec.
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { writeEnd = -1; return }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        // A write after the watchdog died must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let words: [String] = ["/bin/sh", "-c", OrphanGuard.script]
        let argv = words.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ) == 0
        close(fds[0])
        if !spawned { close(fds[1]) }
        writeEnd = spawned ? fds[1] : -1
    }

    /// Kill `group` if this process dies before `release(group)`.
    func watch(_ group: pid_t) { send("+ \(group)\n") }

    func release(_ group: pid_t) { send("- \(group)\n") }

    private func send(_ line: String) {
        guard writeEnd >= 0 else { return }
        // One short write to a pipe is atomic: lines from several threads never interleave.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(writeEnd, $0.baseAddress, $0.count) }
    }
}
