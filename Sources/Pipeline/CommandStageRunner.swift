#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `cmd:` stages: `/bin/sh -c TEXT` in the project folder, stdout and stderr to the log.
///
/// The command sees, as environment variables (names upper-cased, other characters as `_`):
/// - `OUT_<NAME>` for each named output (`OUT_0`, `OUT_1`, ... for list-form outputs) and `OUT`
///   when there is one output: the TEMPORARY path to write; the engine renames it into place
///   after the command succeeds. A folder output's temporary folder already exists.
/// - `IN_<NAME>` / `IN_<i>` / `IN` likewise for inputs (space-separated when a reference
///   names several outputs).
/// - `PARAM_<NAME>` for each param (lists and maps as JSON).
/// - `REDERIVE_STAGE`, `REDERIVE_ROOT`, `REDERIVE_THREADS`, and `REDERIVE_PROGRESS`: a file to
///   write progress lines to (`echo "40% epoch 2" >> "$REDERIVE_PROGRESS"`), shown on a terminal.
/// The child runs in its own process group so Ctrl-C reaches the engine, which stops it; it dies
/// with the engine if the engine is killed (`OrphanGuard`).
public struct CommandStageRunner: StageRunner {
    public init() {}

    public var kind: String { "cmd" }

    /// `cmd/1:` plus the first 16 hex digits of the command text's SHA-256.
    public func codeVersion(for stage: Stage) -> String {
        "cmd/1:" + SHA256.hex(stage.kind.argument ?? "").prefix(16)
    }

    public func run(_ context: StageContext) throws {
        guard case .command(let text) = context.stage.kind else {
            throw CommandStageError(message: "stage \(context.stage.name) is not a cmd stage")
        }
        var environment = [String: String]()
        for (key, value) in Self.environment(for: context) { environment[key] = value }
        // posix_spawn_file_actions_addchdir_np is not visible to Swift here: the shell changes folder.
        let script = "cd -- \"$REDERIVE_ROOT\" || exit 1\n" + text
        let status = try Self.spawnAndWait(["/bin/sh", "-c", script], environment: environment,
                                           output: context.log.fileDescriptor, cancellation: context.cancellation)
        if status != 0 {
            throw CommandStageError(message: status > 0 ? "command exited with status \(status)" : "command killed by signal \(-status)")
        }
    }

    static func variableName(_ prefix: String, _ name: String) -> String {
        prefix + "_" + String(String.UnicodeScalarView(name.uppercased().unicodeScalars.map { scalar in
            (scalar.properties.isAlphabetic && scalar.isASCII) || ("0"..."9").contains(scalar) ? scalar : "_"
        }))
    }

    static func environment(for context: StageContext) -> [(String, String)] {
        var variables = [(String, String)]()
        var inputGroups = [String: [String]]()
        var order = [String]()
        for (i, input) in context.inputs.enumerated() {
            let key = input.name ?? String(i)
            if inputGroups[key] == nil { order.append(key) }
            inputGroups[key, default: []].append(input.path)
        }
        for key in order { variables.append((variableName("IN", key), inputGroups[key]!.joined(separator: " "))) }
        if context.inputs.count == 1 { variables.append(("IN", context.inputs[0].path)) }
        for (i, output) in context.outputs.enumerated() {
            variables.append((variableName("OUT", output.name ?? String(i)), output.temporaryPath))
        }
        if context.outputs.count == 1 { variables.append(("OUT", context.outputs[0].temporaryPath)) }
        for key in context.params.keys.sorted() {
            variables.append((variableName("PARAM", key), context.params[key]!.text))
        }
        variables.append(("REDERIVE_STAGE", context.stage.name))
        variables.append(("REDERIVE_ROOT", context.projectRoot))
        variables.append(("REDERIVE_THREADS", String(context.threads)))
        variables.append(("REDERIVE_PROGRESS", context.progressFile))
        return variables
    }

    /// Spawns `arguments` in its own process group and waits. Returns the exit status, or minus
    /// the signal number if the child was killed.
    public static func spawnAndWait(_ arguments: [String], environment extra: [String: String],
                             output: Int32, cancellation: Cancellation) throws -> Int32 {
        var env = [String: String]()
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            index += 1
        }
        for (key, value) in extra { env[key] = value }
        let envStrings = env.keys.sorted().map { "\($0)=\(env[$0]!)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = envStrings.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw CommandStageError(message: "cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        OrphanGuard.shared.watch(pid)
        if !cancellation.register(child: pid) { kill(-pid, SIGTERM) }
        defer {
            cancellation.unregister(child: pid)
            OrphanGuard.shared.release(pid)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw CommandStageError(message: "waitpid failed: \(String(cString: strerror(errno)))") }
        }
        // Stray grandchildren of a finished shell must not outlive the stage.
        kill(-pid, SIGTERM)
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return -(status & 0x7f)
    }
}

public struct CommandStageError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
