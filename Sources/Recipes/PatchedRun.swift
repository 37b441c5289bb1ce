import Analysis
import AtomicFiles
import Foundation
import Tensor

/// One model's activation patching, as `rederive patch` wrote it: `summary.json` and a `.npy`
/// array per sweep (with its `_normalized` twin). Recipes read patching only through this type.
public struct PatchedRun: Sendable {
    public let folder: String
    public let summary: PatchingSummary
    /// The patched model's training config: what the patching is matched to its run by.
    public let config: RunConfig

    public init(folder: String) throws(RecipeError) {
        self.folder = folder
        do { summary = try AnalysisFolder.readSummary(PatchingSummary.self, in: folder, of: "patching", command: "patch") } catch {
            throw RecipeError(error)
        }
        config = try RunConfig(json: summary.config, source: folder + "/" + AnalysisFolder.summaryFile)
    }

    /// Whether `folder` holds patching rather than an analysis: its summary has the patching
    /// metrics (both commands write `summary.json`).
    static func isPatching(_ folder: String) -> Bool {
        guard let bytes = try? AtomicFile.read(folder + "/" + AnalysisFolder.summaryFile),
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return false }
        return object["cleanMetric"] != nil && object["sweeps"] != nil
    }

    /// A sweep's array, normalised (0 = corrupted, 1 = clean) when the metrics allow, in
    /// TransformerLens's shape for this model; refused with the file and the reason if it is
    /// missing, of another shape or not finite.
    public func array(_ sweep: PatchingSweep) throws(RecipeError) -> Tensor {
        guard summary.sweeps.contains(sweep.rawValue) else {
            throw .badInput(path: folder, reason: "has no \(sweep.rawValue) sweep; run `rederive patch` without --sweeps")
        }
        let file = folder + "/" + PatchingFolder.Array.sweep(sweep, normalized: summary.normalized).fileName
        let shape = sweep.shape(layers: config.nLayers, length: summary.positions, heads: config.nHeads)
        do { return try AnalysisFolder.readArray(file, shape: shape, mayHoldNaN: false, of: "patching", command: "patch") } catch {
            throw RecipeError(error)
        }
    }

    /// The answer position and the corrupted position, each one shared by every sequence, as
    /// the task's corruption makes them; read from the batch (`clean.npy`, `corrupted.npy`).
    public func positions(for recipe: String) throws(RecipeError) -> (answer: Int, corrupted: Int) {
        let advice = "patch with the task's own batch (no --clean, --corrupted, --answers)"
        guard summary.answerPositions.count == 1, let p = summary.answerPositions.first else {
            throw .badInput(path: folder + "/" + AnalysisFolder.summaryFile, reason: "figure '\(recipe)' needs one answer position shared by every sequence, "
                            + "found \(summary.answerPositions); \(advice)")
        }
        let clean = try tokens(.clean, advice: advice), corrupted = try tokens(.corrupted, advice: advice)
        let n = summary.positions
        let changed = Set(zip(clean, corrupted).enumerated().filter { $0.element.0 != $0.element.1 }.map { $0.offset % n })
        guard clean.count == corrupted.count, changed.count == 1, let c = changed.first else {
            throw .badInput(path: folder + "/" + PatchingFolder.Array.corrupted.fileName, reason: "figure '\(recipe)' needs the clean and corrupted batches to differ at one "
                            + "position, found \(changed.count); \(advice)")
        }
        return (p, c)
    }

    private func tokens(_ file: PatchingFolder.Array, advice: String) throws(RecipeError) -> [Int64] {
        let path = folder + "/" + file.fileName
        let array: NDArray
        do { array = try NumpyFile.read(path) } catch { throw .badInput(path: path, reason: "\(error); \(advice)") }
        guard case .int64(let shape, let values) = array, shape == [summary.sequences, summary.positions] else {
            throw .badInput(path: path, reason: "expected int64 tokens of shape [\(summary.sequences), \(summary.positions)]; \(advice)")
        }
        return values
    }
}
