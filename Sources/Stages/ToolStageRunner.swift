import Foundation
import Pipeline

/// The study's stage kinds run as child `rederive` processes: `train`, `analyze`, `figure <recipe>`
/// and `slides`. A child has its own thread count and signal handling, so `make -j` can run
/// several side by side without sharing process-wide state, and Ctrl-C stops each child the way
/// it stops `rederive train` at a terminal (a checkpoint, then exit).
///
/// Code versions are explicit and bumped by hand with the code they cover (see
/// `Pipeline/StageRunner.swift`): a change to plotting code bumps `figure` only, never `train`.
public struct ToolStageRunner: StageRunner {
    public let kind: String
    /// `kind/version`, or `figure <recipe>/version`.
    let version: Int
    /// The child's arguments after the executable, from the stage's context.
    let arguments: @Sendable (StageContext) throws -> [String]

    public func codeVersion(for stage: Stage) -> String {
        if let argument = stage.kind.argument { return "\(kind) \(argument)/\(version)" }
        return "\(kind)/\(version)"
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

extension StageRegistry {
    /// `cmd` plus the study's kinds.
    public static var study: StageRegistry {
        var registry = StageRegistry.standard
        for runner in [StudyStages.train, StudyStages.analyze, StudyStages.figure, StudyStages.slides] {
            registry.register(runner)
        }
        return registry
    }
}
