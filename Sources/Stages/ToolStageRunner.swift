import Foundation
import Pipeline

/// The study's stage kinds run as child `rederive` processes: `train`, `analyze`, `figure <recipe>`
/// and `slides`. A child has its own thread count and signal handling, so `make -j` can run
/// several side by side without sharing process-wide state, and Ctrl-C stops each child the way
/// it stops `rederive train` at a terminal (a checkpoint, then exit).
///
/// Code versions follow the code: `train@<hash>` covers the source files listed for the kind in
/// `CodeSources.txt` (for `figure`, per recipe), hashed at build time without comments and
/// whitespace, so a change to plotting code reruns figures, never `train`.
public struct ToolStageRunner: StageRunner {
    public let kind: String
    /// What the word after the kind name stands for (`recipe` for `figure <recipe>`).
    public let argument: String?
    public let params: [ParamSpec]?
    /// The kind's own checks before anything runs (see `StageRunner.validate`).
    let check: @Sendable (Stage, String) -> [PipelineError]
    /// What the stage reads beyond its declared inputs (see `StageRunner.impliedInputs`).
    let implied: @Sendable (Stage, String) -> ImpliedInputs
    /// The child's arguments after the executable: the kind's typed job, built from the stage's
    /// context and spelled by `StudyCommandLines`.
    let arguments: @Sendable (StageContext) throws -> [String]

    init(kind: String, argument: String? = nil, params: [ParamSpec]?, check: @escaping @Sendable (Stage, String) -> [PipelineError] = { _, _ in [] },
         implied: @escaping @Sendable (Stage, String) -> ImpliedInputs = { _, _ in ImpliedInputs() },
         arguments: @escaping @Sendable (StageContext) throws -> [String]) {
        self.kind = kind
        self.argument = argument
        self.params = params
        self.check = check
        self.implied = implied
        self.arguments = arguments
    }

    public func validate(_ stage: Stage, root: String) -> [PipelineError] { check(stage, root) }

    public func impliedInputs(of stage: Stage, root: String) -> ImpliedInputs { implied(stage, root) }

    public func codeVersion(for stage: Stage) -> String {
        let key = codeKey(stage)
        return ToolStageRunner.versions[key] ?? CodeSources.version(key: key, sources: [:])
    }

    /// Each group's code version, computed once.
    static let versions = Dictionary(uniqueKeysWithValues: GeneratedCodeSources.groups.map { key, sources in
        (key, CodeSources.version(key: key, sources: sources))
    })

    public func codeSources(for stage: Stage) -> [String: String] {
        GeneratedCodeSources.groups[codeKey(stage)] ?? GeneratedCodeSources.groups[kind] ?? [:]
    }

    /// `train`, or `figure loss_curves`: the group in `CodeSources.txt`.
    func codeKey(_ stage: Stage) -> String {
        if let argument = stage.kind.argument, GeneratedCodeSources.groups[kind + " " + argument] != nil { return kind + " " + argument }
        return kind
    }

    public func run(_ context: StageContext) throws {
        let executable = try ToolStageRunner.executablePath()
        let status = try CommandStageRunner.spawnAndWait(
            [executable] + arguments(context),
            environment: ["REDERIVE_PROGRESS": context.progressFile],
            output: context.log.fileDescriptor, cancellation: context.cancellation)
        guard status == 0 else {
            throw StageFailure(message: status > 0 ? "rederive \(kind) exited with status \(status)" : "rederive \(kind) killed by signal \(-status)")
        }
    }

    /// This process's own executable, so children run the same build.
    static func executablePath() throws -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw StageFailure(message: "cannot find the rederive executable to run stages with (tried \(path))")
        }
        return path
    }
}

/// A study stage that could not run, with what to do.
public struct StageFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
