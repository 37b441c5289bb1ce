#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs one kind of stage. Modules register runners in a `StageRegistry`: `cmd` is built in;
/// `train`, `analyze`, `figure` and `slides` come from the modules that own that code.
///
/// The code version: a string that changes exactly when the runner's outputs could change for the
/// same params and inputs. For the study's kinds it follows the code: `train@<hash>` over the
/// hashes of the source files that implement the kind (for `figure`, per recipe), computed at
/// build time with comments and whitespace removed (`codeSources(for:)` lists them, so `status`
/// can name the file that changed). For `cmd` it is a hash of the command text after
/// interpolation. A stage whose lock entry has another code version reruns.
public protocol StageRunner: Sendable {
    /// The kind name this runner serves (`cmd`, `train`, `figure`, ...).
    var kind: String { get }
    /// What the word after the kind name in `kind:` stands for (`recipe` for
    /// `kind: figure loss_curves`); nil when the kind takes none.
    var argument: String? { get }
    /// The version of the code that produces `stage`'s outputs (see above).
    func codeVersion(for stage: Stage) -> String
    /// Source file -> hash of its normalised text, for each file the code version covers; empty
    /// when the version is not built from files (`cmd`).
    func codeSources(for stage: Stage) -> [String: String]
    /// The params this kind takes, checked before anything runs; nil accepts any.
    var params: [ParamSpec]? { get }
    /// Further checks of a stage before anything runs (e.g. a train stage's config keys):
    /// returns errors located in the pipeline file.
    func validate(_ stage: Stage, root: String) -> [PipelineError]
    /// Files the stage reads that its declared inputs name inside them (a Vega-Lite spec's data
    /// files), found when the pipeline is expanded, as ninja's depfiles are. `stage.inputs` are the
    /// declared ones; only inputs no stage writes are read. Errors are `validate`'s to report.
    func impliedInputs(of stage: Stage, root: String) -> ImpliedInputs
    /// Produces every output at its `temporaryPath`; the engine renames them into place only if
    /// this returns without throwing. Errors come from many modules, so any `Error` is accepted
    /// and reported with the stage's name and log. Long runners should call
    /// `context.progress` and poll `context.cancellation.isCancelled`.
    func run(_ context: StageContext) throws
}

extension StageRunner {
    public var argument: String? { nil }
    public func codeSources(for stage: Stage) -> [String: String] { [:] }
    public var params: [ParamSpec]? { nil }
    public func validate(_ stage: Stage, root: String) -> [PipelineError] { [] }
    public func impliedInputs(of stage: Stage, root: String) -> ImpliedInputs { ImpliedInputs() }
}

/// What `StageRunner.impliedInputs` found, and the files it read to find it: the expanded
/// pipeline is cached, and is only valid while those files are unchanged.
public struct ImpliedInputs: Sendable {
    /// The name the inputs take in the stage's context (`data`).
    public var name: String?
    /// Project-relative (or absolute) paths, each becoming an input of the stage.
    public var paths: [String] = []
    /// Absolute paths of the files read to find them.
    public var readFrom: [String] = []
    public init(name: String? = nil, paths: [String] = [], readFrom: [String] = []) {
        self.name = name
        self.paths = paths
        self.readFrom = readFrom
    }
}

/// Code versions built from source files.
public enum CodeSources {
    /// `key@` and the first 16 hex digits of the SHA-256 of the sorted `path hash` lines.
    public static func version(key: String, sources: [String: String]) -> String {
        var text = ""
        for path in sources.keys.sorted() { text += path + " " + sources[path]! + "\n" }
        return key + "@" + SHA256.hex(text).prefix(16)
    }

    /// The files whose hash differs between two tables (added or removed ones too), sorted.
    public static func changedFiles(_ old: [String: String], _ new: [String: String]) -> [String] {
        Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
    }
}

/// The runners known to a `make`, by kind name. The pipeline-file parser accepts exactly the
/// kinds registered here (`PipelineFile.parse(yaml:path:registry:)`).
public struct StageRegistry: Sendable {
    private var runners: [String: any StageRunner] = [:]
    /// Kind names in the order they were registered, for messages.
    private var order: [String] = []
    /// The pipeline in `Pipelines/` that commands use when given none and there are several
    /// (a tool built on the engine names its main one); nil: the user must say which.
    public var defaultPipeline: String?

    public init() {}

    /// A registry with the kinds the Pipeline module implements itself (`cmd`).
    public static var standard: StageRegistry {
        var registry = StageRegistry()
        registry.register(CommandStageRunner())
        return registry
    }

    /// Adds or replaces the runner for `runner.kind`.
    public mutating func register(_ runner: any StageRunner) {
        if runners.updateValue(runner, forKey: runner.kind) == nil { order.append(runner.kind) }
    }

    public func runner(for kind: StageKind) -> (any StageRunner)? { runners[kind.name] }

    public func runner(named name: String) -> (any StageRunner)? { runners[name] }

    public var kinds: [String] { runners.keys.sorted() }

    /// How each kind but `cmd` is written in `kind:`, in registration order: `train`,
    /// `figure <recipe>`.
    public var usage: [String] { order.filter { $0 != "cmd" }.map(written) }

    /// Every kind as written, in one line, for cache keys: a pipeline parsed against other
    /// kinds is parsed again.
    var signature: String { order.map(written).joined(separator: ",") }

    private func written(_ name: String) -> String { runners[name]?.argument.map { "\(name) <\($0)>" } ?? name }
}

/// An output slot: where the stage must write (`temporaryPath`) and where the engine will move it.
public struct StageOutputSlot: Sendable {
    public var name: String?
    /// Absolute final path.
    public var path: String
    /// Absolute temporary path in the same folder, the make's own (it carries its process id),
    /// ending with the output's own name and extension (`.rederive-tmp-4242.loss.png`); for a
    /// folder output it exists and is empty.
    public var temporaryPath: String
    public var isDirectory: Bool
}

/// Everything a runner needs; no globals.
public struct StageContext: Sendable {
    public var stage: Stage
    public var projectRoot: String
    /// Resolved params.
    public var params: [String: ParamValue] { stage.params }
    /// Input names (nil for list-form inputs) and absolute paths.
    public var inputs: [(name: String?, path: String)]
    public var outputs: [StageOutputSlot]
    /// The stage's log; runners write their own output here.
    public var log: StageLog
    /// Reports progress in 0...1 (nil when unknown) with an optional short message.
    public var progress: @Sendable (Double?, String?) -> Void
    public var cancellation: Cancellation
    /// The thread budget for this stage (`make -j` divides the machine).
    public var threads: Int
    /// A file a child process may write progress lines to (`0.42 message` or `42% message`);
    /// the live status shows the last one. In-process runners call `progress` instead.
    public var progressFile: String
}

/// A stage's log file. Thread-safe; children write to `fileDescriptor` directly.
public final class StageLog: Sendable {
    public let path: String
    public let fileDescriptor: Int32

    init(path: String) throws(PipelineError) {
        try AtomicFileIO.makeFolders(parentOf: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError(.io, at: nil, "cannot open log \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.fileDescriptor = fd
    }

    public func write(_ text: String) {
        Console.write(fileDescriptor, text)
    }

    /// The last `count` lines a stage wrote to its log (the engine's own `# rederive:` lines
    /// left out), read from at most the last 16 KB.
    public static func tail(of path: String, lines count: Int = 10) -> [String] {
        guard let bytes = try? AtomicFileIO.readIfExists(path) else { return [] }
        let text = String(decoding: bytes.suffix(16384), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
            .map { Self.bounded(String($0.replacingOccurrences(of: "\r", with: ""))) }
            .filter { !$0.hasPrefix("# rederive:") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Array(lines.suffix(count))
    }

    /// A log line whole, so that its end (often the advice, or a path to open) is not lost; only
    /// a line longer than any message (a dump) is shortened, and says so.
    static func bounded(_ line: String) -> String {
        let limit = 2000
        guard line.count > limit else { return line }
        return line.prefix(limit) + " … (\(line.count - limit) more characters in the log)"
    }

    /// The lines of the log at `path` that start with "warning: " (e.g. a figure's layout audit
    /// findings), which `make` repeats on the console; none if it does not exist.
    public static func warnings(in path: String) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").filter { $0.hasPrefix("warning: ") }.map(String.init)
    }

    deinit { close(fileDescriptor) }
}

/// Cooperative cancellation for a running stage: in-process runners poll `isCancelled`; child
/// processes registered here get SIGTERM (then SIGKILL) to their whole process group.
public final class Cancellation: Sendable {
    private let state = LockedState<(cancelled: Bool, children: Set<pid_t>)>((false, []))

    public init() {}

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Registers a child process (leader of its own process group) to signal on cancel.
    /// Returns false if already cancelled: the caller should stop the child itself.
    @discardableResult
    public func register(child: pid_t) -> Bool {
        state.withLock { s in
            s.children.insert(child)
            return !s.cancelled
        }
    }

    public func unregister(child: pid_t) { state.withLock { _ = $0.children.remove(child) } }

    /// Marks cancelled and signals children: SIGTERM first, SIGKILL when `force`.
    public func cancel(force: Bool = false) {
        let children = state.withLock { s -> Set<pid_t> in
            s.cancelled = true
            return s.children
        }
        for child in children { kill(-child, force ? SIGKILL : SIGTERM) }
    }
}

/// A value behind a lock, for the few pieces of state threads share (portable stand-in for
/// `Synchronization.Mutex`, which needs macOS 15).
final class LockedState<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
