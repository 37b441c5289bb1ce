import AtomicFiles
import Foundation
import Tensor

/// The files of one training run (DESIGN.md, "Command-line interface"):
///
///     DIR/checkpoints/step-NNNNNN.safetensors            weights + metadata
///     DIR/checkpoints/step-NNNNNN.optimizer.safetensors  AdamW moments + batch generator
///     DIR/model.safetensors                              the latest checkpoint
///     DIR/log.csv                                        one row per logged step
///     DIR/checkpoints/diverged-step-NNNNNN.safetensors   the state at a divergence, for post-mortems
///     DIR/previous-run/                                  the run `--overwrite` replaces, until the
///                                                        new one's first checkpoint
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

    /// Creates the folder and `checkpoints/`, and marks the folder as a run (`OwnedFolder`).
    public func create() throws(CheckpointError) {
        do {
            try AtomicFile.makeFolders(checkpointsPath)
            if OwnedFolder.kind(of: path) == nil { try OwnedFolder.mark(path, as: .run) }
        } catch { throw .file(.io(error)) }
    }

    /// Refuses a folder that training must not write into: a file, a folder Rederive made for
    /// something else, or one holding other files and no run (training would overwrite a
    /// `log.csv` of the user's). A run written before folders were marked is accepted.
    public func requireTrainable() throws(AtomicFileError) {
        let advice = "train writes checkpoints/, model.safetensors and log.csv there; choose a new or empty folder"
        switch OwnedFolder.state(of: path) {
        case .notOurs where holdsRun: return
        default: try OwnedFolder.requireReplaceable(path, by: [.run], advice: advice)
        }
    }

    /// Where `--overwrite` keeps the previous run until the new one has its first checkpoint.
    public var previousRunPath: String { path + "/previous-run" }

    /// Whether the folder holds a run: checkpoints, a model, or a run set aside by `--overwrite`.
    public var holdsRun: Bool {
        !checkpointSteps.isEmpty || FileManager.default.fileExists(atPath: modelPath)
            || FileManager.default.fileExists(atPath: previousRunPath)
    }

    /// Moves the checkpoints, model and log of an earlier run into `previous-run/`, so that a
    /// fresh run never leaves a stale later checkpoint beside its own, and nothing is deleted
    /// before the fresh run has a checkpoint of its own. A `previous-run/` already there (from an
    /// overwrite killed before its first checkpoint) is kept when there is nothing newer to set
    /// aside, and replaced otherwise.
    public func setAsidePreviousRun() throws(CheckpointError) {
        let manager = FileManager.default
        let current = [checkpointsPath, modelPath, logPath].filter { manager.fileExists(atPath: $0) }
        let hasNewer = !checkpointSteps.isEmpty || manager.fileExists(atPath: modelPath)
        guard hasNewer || !manager.fileExists(atPath: previousRunPath) else { return }
        AtomicFile.remove(previousRunPath)
        do { try AtomicFile.makeFolders(previousRunPath) } catch { throw .file(.io(error)) }
        for item in current {
            let name = String(item[item.index(after: item.lastIndex(of: "/")!)...])
            guard rename(item, previousRunPath + "/" + name) == 0 else {
                throw .file(.io(AtomicFileError(path: item, operation: .write, errno: errno)))
            }
        }
        try create()
    }

    /// Deletes the run set aside by `setAsidePreviousRun()`.
    public func removePreviousRun() { AtomicFile.remove(previousRunPath) }

    /// Removes temporary files that killed processes left in the folder and its `checkpoints/`.
    public func removeStaleTemporaries() {
        AtomicFile.removeStaleTemporaries(in: path)
        AtomicFile.removeStaleTemporaries(in: checkpointsPath)
    }

    /// Moves an unreadable checkpoint and its optimizer state out of the way, to
    /// `broken-step-NNNNNN...`, so that nothing reads them as part of the run again.
    public func setAsideBrokenCheckpoint(step: Int) {
        for (path, name) in [(checkpointPath(step: step), Self.checkpointName(step: step)),
                             (optimizerPath(step: step), Self.optimizerName(step: step))] {
            rename(path, checkpointsPath + "/broken-" + name)
        }
    }

    /// Where the state of a step that diverged is kept for post-mortems; never read as a checkpoint.
    public func divergedPath(step: Int) -> String { checkpointsPath + "/diverged-" + Self.checkpointName(step: step) }

    /// Steps that have a checkpoint, ascending.
    public var checkpointSteps: [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsPath)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step-"), name.hasSuffix(".safetensors"), !name.hasSuffix(".optimizer.safetensors") else { return nil }
            return Int(name.dropFirst(5).dropLast(12))
        }.sorted()
    }

    /// Steps whose checkpoint and optimizer state both exist, ascending.
    public var resumableSteps: [Int] {
        checkpointSteps.filter { FileManager.default.fileExists(atPath: optimizerPath(step: $0)) }
    }

    /// The latest step whose checkpoint and optimizer state both exist.
    public var latestResumableStep: Int? { resumableSteps.last }
}
