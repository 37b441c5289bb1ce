import Foundation
import Analysis
import Recipes
import Tensor
import Transformer

/// What the report is drawn from: one model's analysis folder (as `rederive analyze` writes it,
/// read through `AnalyzedRun`) and its activation patching (`rederive patch`), the same readers
/// the study's figures use.
public struct ReportData {
    /// The analysis: its summary, arrays, config and metrics over training.
    public let run: AnalyzedRun
    /// Lines loading printed (skipped buffers, an inferred config).
    public let notes: [String]
    /// Activation patching on the task's default corruption (`rederive patch`), in its folder.
    public var patching: PatchedRun?

    public var summary: AnalysisSummary { run.summary }
    public var model: ModelConfig { run.analysis.model }
    public var task: TaskKind { run.analysis.config.task }

    /// The offset of the k-back score shown beside previous-token (`KBackScore.offset`).
    public var kBack: Int { KBackScore.offset(task: task, nCtx: model.nCtx) }

    /// Analyses `source` (a run folder, a Rederive checkpoint or a TransformerLens state dict)
    /// into `analysisFolder`, patches it beside, and reads both back as the figures do.
    public static func gather(source: String, analysisFolder: String, settings: AnalysisSettings,
                              progress: (String) -> Void) throws(AnalysisError) -> ReportData {
        try RunAnalysis.run(source, into: analysisFolder, settings: settings, progress: progress)
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: source, isDirectory: &isFolder)
        let modelPath = isFolder.boolValue ? RunFolder(source).modelPath : source
        // The checkpoint again, for the notes loading it printed (no forward).
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(modelPath, options: settings.checkpoint) } catch {
            throw .badCheckpoint(path: modelPath, reason: "\(error)")
        }
        let patchingFolder = (analysisFolder as NSString).deletingLastPathComponent + "/patching"
        try patch(modelPath, into: patchingFolder, settings: settings, progress: progress)
        do {
            return ReportData(run: try AnalyzedRun(folder: analysisFolder), notes: checkpoint.notes,
                              patching: try PatchedRun(folder: patchingFolder))
        } catch { throw .badInput("\(error)") }
    }

    /// An array of the analysis folder.
    public func array(_ array: AnalysisFolder.Array) throws(AnalysisError) -> Tensor {
        do { return try run.array(array) } catch { throw .badInput("\(error)") }
    }

    /// The scalar metrics of every checkpoint, for a run folder.
    public func training() throws(AnalysisError) -> [TrainingMetrics]? {
        do { return try run.analysis.trainingMetrics() } catch { throw .badInput("\(error)") }
    }

    /// A head's name, `L1H0`.
    public static func headName(_ layer: Int, _ head: Int) -> String { HeadID(layer: layer, head: head).description }
}
