import AtomicFiles
import Foundation
import Tensor
import Transformer

/// The folder `rederive analyze` writes, as one contract between its writer and every reader:
/// each array is a case of `Array`, which carries its file name, its shape for the analysed model
/// and whether it may hold NaN. `CheckpointAnalysis` and `RunAnalysis` write through it; figures
/// and the report read through `init(reading:)`, which refuses a missing, misshapen or
/// non-finite array with its name and the shape expected. A new array is one case here (with
/// its file name and shape) and one line in its writer.
///
/// Beside the arrays: `summary.json` (`AnalysisSummary`), and for a run folder `training.json`
/// (`TrainingMetrics` of every checkpoint) and `training_log.csv` (the run's `log.csv`).
public struct AnalysisFolder: Sendable {
    /// One array of the folder.
    public enum Array: Hashable, Sendable, CustomStringConvertible {
        /// `[seqs, n_ctx]` int64: the evaluation batch.
        case tokens
        /// `[n_ctx]`: mean loss at each position (NaN where no sequence has a target).
        case lossByPosition
        /// `[heads, n_ctx, n_ctx]`: a layer's mean attention pattern.
        case pattern(layer: Int)
        /// `[seqs, n_ctx, 3]`: a residual stream's coordinates on PC1..PC3.
        case pcaProjection(HookName)
        /// `[k, d_model]`: a residual stream's principal components.
        case pcaComponents(HookName)
        /// `[n_ctx, 3]`: the PCA of a residual stream's per-position mean.
        case pcaPositionMeanProjection(HookName)
        /// `[d_vocab, d_vocab]`: a head's QK circuit in the token basis (`WeightCircuits.qkTokens`).
        case qkTokens(HeadID)
        /// `[n_ctx, n_ctx]`: a head's QK scores between mean residuals by position.
        case qkPositions(HeadID)
        /// `[d_vocab, d_vocab]`: a head's OV circuit in the token basis (`WeightCircuits.ovTokens`).
        case ovTokens(HeadID)
        /// `[d_vocab, d_mlp]`: what a head writes into MLP 0's neurons (models with an MLP).
        case ovMLP0(HeadID)
        /// `[components, n_ctx]`: direct logit attribution (rows: `AnalysisSummary.dlaComponents`).
        case dla
        /// `[n_ctx, d_mlp]`: a layer's mean post-activation by position.
        case mlpActivation(layer: Int)
        /// `[n_ctx, d_mlp]`: the fraction of a layer's neurons firing (> 0) by position.
        case mlpFiring(layer: Int)
        /// `[n_ctx]`: loss with layer 0's attention output mean-ablated at one position.
        case attentionAblationByPosition
        /// `[stream, n_ctx]`: the logit lens's loss of each residual stream (NaN: no target).
        case logitLensLoss
        /// `[stream, n_ctx]`: its top-1 accuracy (NaN: no target).
        case logitLensAccuracy

        /// The file name inside the folder.
        public var fileName: String { stem + AnalysisFolder.arraySuffix }

        private var stem: String {
            switch self {
            case .tokens: "tokens"
            case .lossByPosition: "loss_by_position"
            case .pattern(let l): "attention.L\(l).pattern"
            case .pcaProjection(let stream): "pca.\(stream.name).projection"
            case .pcaComponents(let stream): "pca.\(stream.name).components"
            case .pcaPositionMeanProjection(let stream): "pca.\(stream.name).position_mean.projection"
            case .qkTokens(let head): "circuits.\(head).qk_tokens"
            case .qkPositions(let head): "circuits.\(head).qk_positions"
            case .ovTokens(let head): "circuits.\(head).ov_tokens"
            case .ovMLP0(let head): "circuits.\(head).ov_mlp0"
            case .dla: "dla"
            case .mlpActivation(let l): "mlp\(l).activation_by_position"
            case .mlpFiring(let l): "mlp\(l).firing_by_position"
            case .attentionAblationByPosition: "ablation.attn0_by_position"
            case .logitLensLoss: "logit_lens.loss"
            case .logitLensAccuracy: "logit_lens.accuracy"
            }
        }

        public var description: String { fileName }

        /// The shape the analysis writes for `model` (nil: any extent, such as the number of
        /// sequences).
        public func shape(_ model: ModelConfig) -> [Int?] {
            let (n, vocab, components) = (model.nCtx, model.dVocab, min(3, model.dModel))
            switch self {
            case .tokens: return [nil, n]
            case .lossByPosition, .attentionAblationByPosition: return [n]
            case .pattern: return [model.nHeads, n, n]
            case .pcaProjection: return [nil, n, components]
            case .pcaComponents: return [nil, model.dModel]
            case .pcaPositionMeanProjection: return [n, components]
            case .qkTokens, .ovTokens: return [vocab, vocab]
            case .qkPositions: return [n, n]
            case .ovMLP0: return [vocab, model.dMLP]
            case .dla: return [nil, n]
            case .mlpActivation, .mlpFiring: return [n, model.dMLP]
            case .logitLensLoss, .logitLensAccuracy: return [HookName.residualStreams(model).count, n]
            }
        }

        /// Whether NaN is a value of the array (a position without a target) rather than damage.
        public var mayHoldNaN: Bool {
            switch self {
            case .lossByPosition, .logitLensLoss, .logitLensAccuracy: true
            default: false
            }
        }
    }

    /// Every array of an analysis or patching folder is a NumPy file.
    static let arraySuffix = NumpyFile.suffix
    public static let summaryFile = "summary.json"
    public static let trainingFile = "training.json"
    public static let trainingLogFile = "training_log.csv"

    public let path: String
    public let summary: AnalysisSummary
    /// The analysed checkpoint's training config, from the summary.
    public let config: TrainingConfig

    /// Opens an analysis folder: reads its summary and the model's config the shapes derive from.
    public init(reading path: String) throws(AnalysisFolderError) {
        self.path = path
        summary = try Self.readSummary(AnalysisSummary.self, in: path, of: "analysis", command: "analyze")
        do { config = try ConfigLoader.load(json: summary.config, source: path + "/" + Self.summaryFile) } catch {
            throw AnalysisFolderError(path: path + "/" + Self.summaryFile,
                                      reason: "the analysed model's config is unreadable (\(error)); run `rederive analyze` on the run again")
        }
    }

    public var model: ModelConfig { config.model }

    /// A float array, refused with its file, its name and the reason when it is missing, of
    /// another shape than the analysis writes for this model, or holds NaN or infinity where
    /// it should not: a figure never draws it as a blank panel.
    public func array(_ array: Array) throws(AnalysisFolderError) -> Tensor {
        try Self.readArray(path + "/" + array.fileName, shape: array.shape(model), mayHoldNaN: array.mayHoldNaN, of: "analysis", command: "analyze")
    }

    /// The float array `file` of an analysis or patching folder (`what`, written by `rederive
    /// command`), refused when it is missing, not of `shape` (nil: any extent) or non-finite
    /// where NaN is no value, with its name and the shape expected.
    public static func readArray(_ file: String, shape expected: [Int?], mayHoldNaN: Bool, of what: String,
                                 command: String) throws(AnalysisFolderError) -> Tensor {
        let name = (file as NSString).lastPathComponent
        let wanted = "[" + expected.map { $0.map(String.init) ?? "any" }.joined(separator: ", ") + "]"
        guard FileManager.default.fileExists(atPath: file) else {
            throw AnalysisFolderError(path: file, reason: "array '\(name)' of shape \(wanted) is missing: an older version of Rederive "
                                      + "wrote this \(what), or it was cut short; run `rederive \(command)` again")
        }
        let tensor: Tensor
        do { tensor = try NumpyFile.readTensor(file) } catch {
            throw AnalysisFolderError(path: file, reason: "\(error)".hasPrefix(file + ": ") ? String("\(error)".dropFirst(file.count + 2)) : "\(error)")
        }
        if tensor.shape.count != expected.count || zip(tensor.shape, expected).contains(where: { $1 != nil && $0 != $1 }) {
            throw AnalysisFolderError(path: file, reason: "array '\(name)' has shape \(tensor.shape), but this run's model gives \(wanted); "
                                      + "the \(what) does not belong to this run or is damaged, run `rederive \(command)` again")
        }
        if !mayHoldNaN, let bad = tensor.firstNonFinite {
            throw AnalysisFolderError(path: file, reason: "array '\(name)' holds \(bad.value) at index \(bad.index); "
                                      + "a figure cannot draw it, check the run (did training diverge?) and run `rederive \(command)` again")
        }
        return tensor
    }

    /// The scalar metrics of each checkpoint (`training.json`), or nil for the analysis of a
    /// single checkpoint, which has none.
    public func trainingMetrics() throws(AnalysisFolderError) -> [TrainingMetrics]? {
        let file = path + "/" + Self.trainingFile
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(file) } catch { throw AnalysisFolderError(path: file, reason: "\(error.reason.lowercased()); \(error.advice)") }
        do { return try JSONDecoder().decode([TrainingMetrics].self, from: Data(bytes)) } catch {
            throw AnalysisFolderError(path: file, reason: "the metrics over training are damaged (\(Self.describe(error))); run `rederive analyze` on the run again")
        }
    }

    /// The training log's `step` and `loss` columns (empty if the run had no log).
    public func lossCurve() throws(AnalysisFolderError) -> (steps: [Double], loss: [Double]) {
        let file = path + "/" + Self.trainingLogFile
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return ([], []) }
        guard let rows = TrainingLog.columns(["step", "loss"], of: text) else {
            throw AnalysisFolderError(path: file, reason: "expected a CSV header with 'step' and 'loss'")
        }
        var steps = [Double](), losses = [Double]()
        for row in rows {
            guard let fields = row.fields, let step = Double(fields[0]), let loss = Double(fields[1]) else {
                throw AnalysisFolderError(path: file, reason: "line \(row.line) is not a row of numbers")
            }
            steps.append(step)
            losses.append(loss)
        }
        return (steps, losses)
    }

    /// A folder's `summary.json` as `T`; when it is missing or damaged, the error says which
    /// `rederive COMMAND` writes it.
    public static func readSummary<T: Decodable>(_ type: T.Type, in folder: String, of what: String,
                                                 command: String) throws(AnalysisFolderError) -> T {
        let file = folder + "/" + summaryFile
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(file) } catch {
            throw AnalysisFolderError(path: file, reason: "cannot read the \(what) summary (\(error.reason.lowercased())); run `rederive \(command)` on the run first")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            var older = ""
            if case .keyNotFound(_, _)? = error as? DecodingError { older = ": an older version of Rederive wrote it, or it was cut short" }
            throw AnalysisFolderError(path: file, reason: "the \(what) summary is damaged (\(describe(error))\(older)); run `rederive \(command)` on the run again")
        }
    }

    /// A JSON decoding failure in words (Foundation's own text names Swift types and coding paths).
    static func describe(_ error: Error) -> String {
        func place(_ path: [CodingKey]) -> String {
            path.isEmpty ? "the top level" : "'" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "no '\(key.stringValue)' at \(place(context.codingPath))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?: return "a value of the wrong type at \(place(context.codingPath))"
        case .dataCorrupted(let context)?: return context.codingPath.isEmpty ? "not valid JSON" : "a bad value at \(place(context.codingPath))"
        default: return "not readable as JSON"
        }
    }
}

/// The folder `rederive patch` writes: the batch (when the task made it) and each sweep, raw
/// and normalised, beside `summary.json` (`PatchingSummary`).
public enum PatchingFolder {
    public enum Array: Hashable, Sendable {
        /// `[batch, pos]` int64: the clean tokens, the corrupted ones, and `[batch, 3]` answers.
        case clean, corrupted, answers
        /// A sweep's result in TransformerLens's shape (`PatchingSweep.shape`); normalised, 0 is
        /// the corrupted run and 1 the clean one.
        case sweep(PatchingSweep, normalized: Bool)

        public var fileName: String {
            let stem = switch self {
            case .clean: "clean"
            case .corrupted: "corrupted"
            case .answers: "answers"
            case .sweep(let sweep, let normalized): sweep.rawValue + (normalized ? "_normalized" : "")
            }
            return stem + AnalysisFolder.arraySuffix
        }
    }
}

/// One attention head, named as the files and figures name it: `L1H0`.
public struct HeadID: Hashable, Sendable, CustomStringConvertible {
    public var layer: Int, head: Int
    public init(layer: Int, head: Int) { self.layer = layer; self.head = head }
    public var description: String { "L\(layer)H\(head)" }
}

/// An analysis or patching folder that cannot be read as its writer wrote it: the file and the
/// reason, with what to do.
public struct AnalysisFolderError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}
