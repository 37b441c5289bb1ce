import AtomicFiles
import Foundation
import Tensor

/// The files of one training run (DESIGN.md, "Command-line interface"):
///
///     DIR/checkpoints/step-NNNNNN.safetensors            weights + metadata
///     DIR/checkpoints/step-NNNNNN.optimizer.safetensors  AdamW moments + batch generator
///     DIR/model.safetensors                              the latest checkpoint
///     DIR/log.csv                                        one row per logged step
public struct RunFolder: Sendable, Equatable {
    public var path: String
    public init(_ path: String) { self.path = path }

    public var checkpointsPath: String { path + "/checkpoints" }
    public var modelPath: String { path + "/model.safetensors" }
    public var logPath: String { path + "/log.csv" }

    public static func checkpointName(step: Int) -> String { "step-" + padded(step) + ".safetensors" }
    public static func optimizerName(step: Int) -> String { "step-" + padded(step) + ".optimizer.safetensors" }
    public func checkpointPath(step: Int) -> String { checkpointsPath + "/" + Self.checkpointName(step: step) }
    public func optimizerPath(step: Int) -> String { checkpointsPath + "/" + Self.optimizerName(step: step) }

    private static func padded(_ step: Int) -> String {
        let digits = String(step)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }

    /// Creates the folder and `checkpoints/`.
    public func create() throws(CheckpointError) {
        do { try AtomicFile.makeFolders(checkpointsPath) } catch { throw .file(.io(error)) }
    }

    /// Deletes the checkpoints, model and log of an earlier run, so a fresh run never leaves a
    /// stale later checkpoint beside its own.
    public func removePreviousRun() {
        let manager = FileManager.default
        for step in checkpointSteps {
            try? manager.removeItem(atPath: checkpointPath(step: step))
            try? manager.removeItem(atPath: optimizerPath(step: step))
        }
        try? manager.removeItem(atPath: modelPath)
        try? manager.removeItem(atPath: logPath)
    }

    /// Steps that have a checkpoint, ascending.
    public var checkpointSteps: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsPath)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"), !name.hasSuffix(".optimizer.safetensors") else { return nil }
            return Int(name.dropFirst(5).dropLast(12))
        }.sorted()
    }

    /// The latest step whose checkpoint and optimizer state both exist.
    public var latestResumableStep: Int? {
        checkpointSteps.last { FileManager.default.fileExists(atPath: optimizerPath(step: $0)) }
    }
}
