import AtomicFiles
import Foundation
import Tensor
import Transformer

/// `rederive analyze`: a checkpoint, or a run folder (its final model in full, the scalar
/// metrics of every checkpoint over training in `training.json`, and a copy of the run's
/// `log.csv` as `training_log.csv`).
public enum RunAnalysis {
    /// Analyses `path` (a run folder or a checkpoint file) into `folder`, whole or not at all:
    /// the files are written into a temporary folder beside it, which replaces `folder` only
    /// when complete. A failure leaves an earlier analysis there untouched, and no file of an
    /// earlier analysis survives a new one. `progress` is told each step's name.
    ///
    /// `folder` must not be or hold what the analysis reads, and must be new, empty or an
    /// earlier analysis (`OwnedFolder.claim`); `force` sets any other folder aside instead.
    @discardableResult
    public static func run(_ path: String, into folder: String, settings: AnalysisSettings = AnalysisSettings(),
                           force: Bool = false, progress: (String) -> Void = { _ in }) throws(AnalysisError) -> AnalysisSummary {
        let staging: String
        do {
            staging = try OwnedFolder.begin(folder, as: .analysis, reading: settings.inputFiles(source: path), force: force, note: progress)
        } catch { throw .cannotWrite(path: error.path, reason: "\(error)") }
        let summary: AnalysisSummary
        do { summary = try analyse(path, into: staging, settings: settings, progress: progress) } catch {
            AtomicFile.remove(staging)
            throw error
        }
        do { try AtomicFile.commitFolder(staging, to: folder, as: .analysis) } catch {
            AtomicFile.remove(staging)
            throw .cannotWrite(path: error.path, reason: "\(error)")
        }
        return summary
    }

    private static func analyse(_ path: String, into folder: String, settings: AnalysisSettings,
                                progress: (String) -> Void) throws(AnalysisError) -> AnalysisSummary {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .badCheckpoint(path: path, reason: "no such file or folder; give a run folder written by `rederive train` or a checkpoint .safetensors")
        }
        let run = RunFolder(path)
        let modelPath = isFolder.boolValue ? run.modelPath : path
        progress("analysing \(modelPath)")
        let analysis = try CheckpointAnalysis(checkpointPath: modelPath, settings: settings)
        analysis.checkpoint.notes.forEach(progress)
        let summary: AnalysisSummary
        do { summary = try analysis.write(to: folder) } catch { throw located(error, analysis) }
        guard isFolder.boolValue else { return summary }
        var overTraining = AnalysisSettings.overTraining
        overTraining.checkpoint = settings.checkpoint
        overTraining.tokensFile = settings.tokensFile

        var rows = [TrainingMetrics]()
        let steps = run.checkpointSteps
        for (index, step) in steps.enumerated() {
            progress("checkpoint \(index + 1)/\(steps.count) (step \(step))")
            let each = try CheckpointAnalysis(checkpointPath: run.checkpointPath(step: step), settings: overTraining)
            do { rows.append(try each.metrics()) } catch { throw located(error, each) }
        }
        let output = try OutputFolder(folder)
        try output.writeJSON(rows, AnalysisFolder.trainingFile)
        // The loss curve travels with the analysis, so figures need only analysis folders.
        try output.copy(run.logPath, as: AnalysisFolder.trainingLogFile)
        return summary
    }

    /// A failed fit or solve, with the checkpoint it came from; where the weights are large
    /// enough to overflow float32 arithmetic (a finite 3e38 squares to infinity), says so.
    static func located(_ error: AnalysisError, _ analysis: CheckpointAnalysis) -> AnalysisError {
        if case .badCheckpoint = error { return error }
        if case .cannotWrite = error { return error }
        var reason = "\(error)"
        var largest: (name: String, value: Float) = ("", 0)
        for (weight, tensor) in analysis.checkpoint.model.parameters.tensors {
            let name = weight.name
            for value in tensor.scalars where abs(value) > abs(largest.value) || (abs(value) == abs(largest.value) && name < largest.name) {
                largest = (name, value)
            }
        }
        if abs(largest.value) > 1e18 {
            reason += "; its weights reach \(largest.value) in '\(largest.name)', large enough to overflow float32 arithmetic: "
                + "check how the checkpoint was made"
        }
        return .badCheckpoint(path: analysis.checkpointPath, reason: reason)
    }
}
