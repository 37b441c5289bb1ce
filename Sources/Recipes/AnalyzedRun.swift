import Analysis
import AtomicFiles
import Foundation
import Reproducible
import Tensor

/// One analysed run, as `rederive analyze` wrote it: `summary.json`, the `.npy` arrays,
/// `training.json` and `training_log.csv`. Recipes read runs only through this type.
public struct AnalyzedRun: Sendable {
    public let folder: String
    public let summary: AnalysisSummary
    /// The run's training config (the keys of `rederive train`).
    public let config: RunConfig

    public init(folder: String) throws(RecipeError) {
        self.folder = folder
        summary = try Self.readSummary(AnalysisSummary.self, in: folder, of: "analysis", command: "analyze")
        config = try RunConfig(json: summary.config, source: folder + "/summary.json")
    }

    /// A folder's `summary.json` as `T`; when it is missing or damaged, the error says which
    /// `rederive COMMAND` writes it.
    static func readSummary<T: Decodable>(_ type: T.Type, in folder: String, of what: String, command: String) throws(RecipeError) -> T {
        let path = folder + "/summary.json"
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch {
            throw .badInput(path: path, reason: "cannot read the \(what) summary (\(error.reason.lowercased())); run `rederive \(command)` on the run first")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
            throw .badInput(path: path, reason: "the \(what) summary is damaged (\(describe(error))); run `rederive \(command)` on the run again")
        }
    }

    /// A float array of the analysis, e.g. `attention.L0.pattern.npy`. Arrays holding NaN or
    /// infinity, or of another shape than `rederive analyze` writes for this run's model, are
    /// refused with the file, the array and the reason: a figure never draws them as blank panels.
    public func array(_ name: String) throws(RecipeError) -> Tensor {
        let path = folder + "/" + name
        let tensor: Tensor
        do { tensor = try NumpyFile.readTensor(path) } catch {
            throw .badInput(path: path, reason: "\(error)".hasPrefix(path + ": ") ? String("\(error)".dropFirst(path.count + 2)) : "\(error)")
        }
        if let expected = expectedShape(name),
           tensor.shape.count != expected.count || zip(tensor.shape, expected).contains(where: { $1 != nil && $0 != $1 }) {
            let wanted = "[" + expected.map { $0.map(String.init) ?? "any" }.joined(separator: ", ") + "]"
            throw .badInput(path: path, reason: "array '\(name)' has shape \(tensor.shape), but this run's model gives \(wanted); "
                            + "the analysis does not belong to this run or is damaged, run `rederive analyze` again")
        }
        if let bad = tensor.firstNonFinite {
            throw .badInput(path: path, reason: "array '\(name)' holds \(bad.value) at index \(bad.index); "
                            + "a figure cannot draw it, check the run (did training diverge?) and run `rederive analyze` again")
        }
        return tensor
    }

    /// The shape `rederive analyze` writes for an array of this run's model (nil: any extent),
    /// or nil for arrays it does not know.
    func expectedShape(_ name: String) -> [Int?]? {
        let (n, heads, vocab) = (config.nCtx, config.nHeads, config.dVocab)
        func matches(_ prefix: String, _ suffix: String) -> Bool { name.hasPrefix(prefix) && name.hasSuffix(suffix) }
        switch name {
        case "dla.npy": return [nil, n]
        case "ablation.attn0_by_position.npy": return [n]
        case _ where matches("attention.L", ".pattern.npy"): return [heads, n, n]
        case _ where matches("pca.", ".position_mean.projection.npy"): return [n, 3]
        case _ where matches("pca.", ".projection.npy"): return [nil, n, 3]
        case _ where matches("circuits.", ".qk_tokens.npy"), _ where matches("circuits.", ".ov_tokens.npy"): return [vocab, vocab]
        case _ where matches("circuits.", ".qk_positions.npy"): return [n, n]
        case _ where matches("circuits.", ".ov_mlp0.npy"): return [vocab, config.dMLP]
        case _ where matches("mlp", "_by_position.npy"): return [n, config.dMLP]
        default: return nil
        }
    }

    /// The scalar metrics of each checkpoint, from `training.json` (empty if absent).
    public func trainingMetrics() throws(RecipeError) -> [TrainingMetrics] {
        let path = folder + "/training.json"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .badInput(path: path, reason: "\(error.reason.lowercased()); \(error.advice)") }
        do { return try JSONDecoder().decode([TrainingMetrics].self, from: Data(bytes)) } catch {
            throw .badInput(path: path, reason: "the metrics over training are damaged (\(Self.describe(error))); run `rederive analyze` on the run again")
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

    /// The training log's `step` and `loss` columns (empty if the run had no log).
    public func lossCurve() throws(RecipeError) -> (steps: [Double], loss: [Double]) {
        let path = folder + "/training_log.csv"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return ([], []) }
        let lines = text.split(separator: "\n")
        guard let header = lines.first?.split(separator: ","),
              let stepColumn = header.firstIndex(of: "step"), let lossColumn = header.firstIndex(of: "loss") else {
            throw .badInput(path: path, reason: "expected a CSV header with 'step' and 'loss'")
        }
        var steps = [Double](), losses = [Double]()
        for (number, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > max(stepColumn, lossColumn),
                  let step = Double(fields[stepColumn]), let loss = Double(fields[lossColumn]) else {
                throw .badInput(path: path, reason: "line \(number + 2) is not a row of numbers")
            }
            steps.append(step)
            losses.append(loss)
        }
        return (steps, losses)
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

    public var description: String {
        switch self {
        case .badInput(let path, let reason): "\(path): \(reason)"
        case .missingRuns(let recipe, let need): "figure '\(recipe)' needs \(need) among its inputs"
        case .unknownRecipe(let name, let known): "no figure recipe named '\(name)'; known: \(known.joined(separator: ", "))"
        case .render(let recipe, let reason): "figure '\(recipe)': \(reason)"
        }
    }
}
