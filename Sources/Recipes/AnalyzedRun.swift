import Analysis
import Foundation
import Reproducible
import Tensor

/// One analysed run, as `rederive analyze` wrote it, read through `AnalysisFolder`: the summary,
/// the arrays, the metrics over training and the training log. Recipes read runs only through
/// this type.
public struct AnalyzedRun: Sendable {
    public let analysis: AnalysisFolder
    /// The run's training config (the keys of `rederive train`).
    public let config: RunConfig

    public var folder: String { analysis.path }
    public var summary: AnalysisSummary { analysis.summary }

    public init(folder: String) throws(RecipeError) {
        do { analysis = try AnalysisFolder(reading: folder) } catch { throw RecipeError(error) }
        config = try RunConfig(json: analysis.summary.config, source: folder + "/" + AnalysisFolder.summaryFile)
    }

    /// A float array of the analysis; see `AnalysisFolder.array` for what is refused.
    public func array(_ array: AnalysisFolder.Array) throws(RecipeError) -> Tensor {
        do { return try analysis.array(array) } catch { throw RecipeError(error) }
    }

    /// The scalar metrics of each checkpoint, from `training.json` (empty if absent).
    public func trainingMetrics() throws(RecipeError) -> [TrainingMetrics] {
        do { return try analysis.trainingMetrics() ?? [] } catch { throw RecipeError(error) }
    }

    /// The training log's `step` and `loss` columns (empty if the run had no log).
    public func lossCurve() throws(RecipeError) -> (steps: [Double], loss: [Double]) {
        do { return try analysis.lossCurve() } catch { throw RecipeError(error) }
    }
}

/// The few config keys recipes group and label runs by.
public struct RunConfig: Sendable, Equatable {
    public var nLayers: Int
    public var nHeads: Int
    public var nCtx: Int
    public var dVocab: Int
    public var dMLP: Int?
    public var positional: String
    public var seed: Int
    /// How the run was trained: what the recipe comparison groups by.
    public var training: TrainingRecipe

    init(json: String, source: String) throws(RecipeError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let nLayers = object["n_layers"] as? Int, let nHeads = object["n_heads"] as? Int,
              let nCtx = object["n_ctx"] as? Int, let dVocab = object["d_vocab"] as? Int else {
            throw .badInput(path: source, reason: "the config JSON lacks n_layers, n_heads, n_ctx or d_vocab")
        }
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.nCtx = nCtx
        self.dVocab = dVocab
        dMLP = object["d_mlp"] as? Int
        positional = object["positional"] as? String ?? "none"
        seed = object["seed"] as? Int ?? 0
        training = TrainingRecipe(steps: object["steps"] as? Int ?? 0, batch: object["batch"] as? Int ?? 0,
                                  lr: (object["lr"] as? NSNumber)?.doubleValue ?? 0,
                                  schedule: object["lr_schedule"] as? String ?? "linear warm-up, constant")
    }

    /// Tokens the model has seen after `step` steps: step x batch x n_ctx.
    public func tokensSeen(afterStep step: Double) -> Double { step * Double(training.batch) * Double(nCtx) }

    /// The design, without the seed: what the comparison figures group by.
    public var variant: Variant { Variant(nLayers: nLayers, hasMLP: dMLP != nil, learnedPositions: positional == "learned") }
}

/// A model design of the comparison sweeps.
public struct Variant: Hashable, Sendable, Comparable {
    public var nLayers: Int
    public var hasMLP: Bool
    public var learnedPositions: Bool

    /// The study's design: two layers, MLPs, no positional embeddings.
    public var isStudy: Bool { nLayers == 2 && hasMLP && !learnedPositions }

    /// A short legend label in Pango markup, e.g. "2 layers, MLP", "2 layers, attn-only",
    /// "2 layers, MLP, learned W<sub>pos</sub>".
    public var label: String { describe(positions: "W<sub>pos</sub>") }

    /// The same in plain text, for captions.
    public var plainLabel: String { describe(positions: "positional embeddings") }

    private func describe(positions: String) -> String {
        var text = "\(nLayers) layer\(nLayers == 1 ? "" : "s"), " + (hasMLP ? "MLP" : "attention-only")
        if learnedPositions { text += ", learned \(positions)" }
        return text
    }

    /// The study first, then by layers, MLP and positions.
    public static func < (a: Variant, b: Variant) -> Bool {
        if a.isStudy != b.isStudy { return a.isStudy }
        return (a.nLayers, a.hasMLP ? 1 : 0, a.learnedPositions ? 1 : 0) > (b.nLayers, b.hasMLP ? 1 : 0, b.learnedPositions ? 1 : 0)
    }
}

/// A training recipe: the budget and learning rate a run was trained with. Runs of one design
/// on different recipes are compared, not pooled.
public struct TrainingRecipe: Hashable, Sendable {
    public var steps: Int
    public var batch: Int
    public var lr: Double
    public var schedule: String

    /// E.g. "4000 steps of 256, lr 1e-4".
    public var label: String {
        let exponent = Int((ReproducibleMath.log(lr) / ReproducibleMath.log(10)).rounded(.down))
        let mantissa = lr / ReproducibleMath.power(10, exponent)
        let rate = abs(mantissa - mantissa.rounded()) < 1e-9
            ? "\(Int(mantissa.rounded()))e\(exponent)" : String(format: "%g", lr)
        return "\(steps) steps of \(batch), lr \(rate)"
    }
}

/// Why a recipe could not be drawn.
public enum RecipeError: Error, Equatable, CustomStringConvertible {
    case badInput(path: String, reason: String)
    case missingRuns(recipe: String, need: String)
    case unknownRecipe(String, known: [String])
    case render(recipe: String, reason: String)

    /// A folder that cannot be read, as the analysis's reader says.
    public init(_ error: AnalysisFolderError) { self = .badInput(path: error.path, reason: error.reason) }

    public var description: String {
        switch self {
        case .badInput(let path, let reason): "\(path): \(reason)"
        case .missingRuns(let recipe, let need): "figure '\(recipe)' needs \(need) among its inputs"
        case .unknownRecipe(let name, let known): "no figure recipe named '\(name)'; known: \(known.joined(separator: ", "))"
        case .render(let recipe, let reason): "figure '\(recipe)': \(reason)"
        }
    }
}
