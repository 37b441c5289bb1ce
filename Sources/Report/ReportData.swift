import Foundation
import Analysis
import Tensor
import Transformer

/// What the report is drawn from: one model's analysis folder (as `rederive analyze` writes it),
/// the model's config, and each head's k-back score, which the analysis does not store.
public struct ReportData {
    public let analysisFolder: String
    public let summary: AnalysisSummary
    public let model: ModelConfig
    public let task: TaskKind
    /// Mean loss at each position over the evaluation batch (NaN where no position has a target).
    public let lossByPosition: [Double]
    /// The scalar metrics of every checkpoint, for a run folder.
    public let training: [TrainingMetrics]?
    /// Lines loading printed (skipped buffers, an inferred config).
    public let notes: [String]
    /// Activation patching on the task's default corruption (`rederive patch`), in its folder.
    public var patching: (folder: String, summary: PatchingSummary)?

    /// The offset of the k-back score shown beside previous-token: the task's k, or 2 for the
    /// previous-token task (whose k = 1 is the previous-token score itself).
    public var kBack: Int {
        if case .kBack(let k) = task, k > 1 { return k }
        return min(2, model.nCtx - 1)
    }

    /// Analyses `source` (a run folder, a Rederive checkpoint or a TransformerLens state dict)
    /// into `analysisFolder` and gathers the rest.
    public static func gather(source: String, analysisFolder: String, settings: AnalysisSettings,
                              progress: (String) -> Void) throws(AnalysisError) -> ReportData {
        let summary = try RunAnalysis.run(source, into: analysisFolder, settings: settings, progress: progress)
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
        let modelPath = isFolder.boolValue ? RunFolder(source).modelPath : source
        // The checkpoint again, for its config and the notes loading it printed (no forward).
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(modelPath, options: settings.checkpoint) } catch {
            throw .badCheckpoint(path: modelPath, reason: "\(error)")
        }
        let lossByPosition: [Double]
        do {
            lossByPosition = try NumpyFile.readTensor(analysisFolder + "/loss_by_position.npy").scalars.map(Double.init)
        } catch {
            throw .badInput("\(error)")
        }
        var training: [TrainingMetrics]?
        if isFolder.boolValue {
            let path = analysisFolder + "/training.json"
            guard let data = FileManager.default.contents(atPath: path),
                  let rows = try? JSONDecoder().decode([TrainingMetrics].self, from: data) else {
                throw .badCheckpoint(path: path, reason: "cannot read the metrics over training that the analysis wrote")
            }
            training = rows
        }
        var data = ReportData(analysisFolder: analysisFolder, summary: summary, model: checkpoint.config.model,
                              task: checkpoint.config.task, lossByPosition: lossByPosition,
                              training: training, notes: checkpoint.notes)
        data.patching = try patch(modelPath, into: (analysisFolder as NSString).deletingLastPathComponent + "/patching",
                                  settings: settings, progress: progress)
        return data
    }

    /// An array of the analysis folder.
    public func array(_ name: String) throws(AnalysisError) -> Tensor {
        do { return try NumpyFile.readTensor(analysisFolder + "/" + name) } catch {
            throw .badInput("\(error)")
        }
    }

    /// Every head's mean pattern, `[heads, n_ctx, n_ctx]` per layer.
    public func patterns() throws(AnalysisError) -> [Tensor] {
        try (0..<model.nLayers).map { l throws(AnalysisError) in try array("attention.L\(l).pattern.npy") }
    }

    /// Mean attention from i to i − k over queries i ≥ k, for one head's mean pattern.
    public static func offsetScore(_ pattern: Tensor, k: Int) -> Double {
        let n = pattern.shape[0]
        guard k >= 0, k < n else { return .nan }
        var total = 0.0
        for query in max(k, 1)..<n { total += Double(pattern[query, query - k]) }
        return total / Double(n - max(k, 1))
    }

    /// A head's name, `L1H0`.
    public static func headName(_ layer: Int, _ head: Int) -> String { "L\(layer)H\(head)" }
}
