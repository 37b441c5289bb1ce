import Foundation
import Tensor

/// How to open a checkpoint that `rederive train` did not write: a TransformerLens
/// `HookedTransformer` state dict saved with `safetensors.torch.save_file(model.state_dict(), ...)`.
public struct CheckpointOptions: Sendable {
    /// A `HookedTransformerConfig` as JSON (`json.dump(cfg.to_dict(), f, default=str)`); when nil
    /// the file's metadata `config` is used, and failing that the config is inferred from shapes.
    public var configFile: String?
    /// The task whose batches the model is evaluated on (a state dict does not say).
    public var task: TaskKind
    /// What the tensor shapes cannot show, for a state dict without a config: the activation
    /// function, and whether missing LayerNorm weights mean LNPre or no normalisation. Unset,
    /// the inferred config assumes relu and none, and says so in `Checkpoint.notes`.
    public var actFn: ModelConfig.ActivationFunction?
    public var normalization: NormalizationType?

    /// TransformerLens's `normalization_type` values.
    public enum NormalizationType: String, Sendable, CaseIterable { case LN, LNPre, none }

    public init(configFile: String? = nil, task: TaskKind = .previousToken,
                actFn: ModelConfig.ActivationFunction? = nil, normalization: NormalizationType? = nil) {
        self.configFile = configFile; self.task = task; self.actFn = actFn; self.normalization = normalization
    }

    /// The command-line flags that set the assumptions, for messages.
    public static let actFnFlag = "--act-fn", normalizationFlag = "--normalization"
}

/// Turns a TransformerLens state dict into a `Checkpoint`. The parameter names are already
/// Rederive's; what differs is the rest of the file: attention-mask buffers (`attn.mask`, a BOOL
/// tensor, and `attn.IGNORE`) are skipped, half-precision tensors are widened to float32, and the
/// config comes from elsewhere. What was skipped
/// or inferred is returned in `Checkpoint.notes`, for the command to print once.
enum TransformerLensImport {
    static func checkpoint(_ contents: SafetensorsFile, path: String, options: CheckpointOptions) throws(CheckpointError) -> Checkpoint {
        var notes = [String]()
        let buffers = Set(contents.skippedBoolTensors + contents.arrays.keys.filter(isBuffer)).sorted()
        if !buffers.isEmpty {
            notes.append("skipped \(buffers.count) non-parameter buffer\(buffers.count == 1 ? "" : "s") (attention masks: "
                + buffers.prefix(2).joined(separator: ", ") + (buffers.count > 2 ? ", ..." : "") + ")")
        }
        let widened = contents.widenedTensors.keys.filter { !isBuffer($0) }.count
        if widened > 0 {
            notes.append("read \(widened) half-precision (F16/BF16) tensor\(widened == 1 ? "" : "s") as float32, exactly; the analysis runs in float32")
        }
        var model: ModelConfig
        if let configFile = options.configFile {
            guard let data = FileManager.default.contents(atPath: configFile), let text = String(data: data, encoding: .utf8) else {
                throw .badConfig(ConfigError(source: configFile, message: "cannot read the file (missing, unreadable or not UTF-8)"))
            }
            do { model = try TransformerLensConfig.modelConfig(json: text, source: configFile) } catch { throw .badConfig(error) }
        } else if let json = contents.metadata["config"] {
            do { model = try TransformerLensConfig.modelConfig(json: json, source: path + " (metadata 'config')") } catch {
                throw .badConfig(error)
            }
        } else {
            model = try inferredConfig(contents, path: path, options: options)
            notes.append("no --config and no config in the metadata; inferred from the tensor shapes: " + describe(model))
            notes += assumptions(model, contents: contents, options: options)
        }
        if options.configFile != nil || contents.metadata["config"] != nil, options.actFn != nil || options.normalization != nil {
            throw .unsupported(path: path, what: "\(CheckpointOptions.actFnFlag) or \(CheckpointOptions.normalizationFlag) was given, but its config "
                               + "(\(options.configFile ?? "in the file's metadata")) already says", expected: "one or the other, not both")
        }
        if case .kBack(let k) = options.task, k >= model.nCtx {
            throw .unsupported(path: path, what: "task k_back:\(k)", expected: "k < n_ctx = \(model.nCtx)")
        }
        // A zero W_pos (the study's frozen one) is the same model as no positional embedding.
        if let positions = contents.arrays[WeightName.posEmbed.name]?.tensor, positions.scalars.allSatisfy({ $0 == 0 }) {
            model.positional = .none
        }
        // LNPre (TransformerLens's LayerNorm with the weights folded away) stores no ln tensors.
        let lnPre = model.hasLayerNorm && !contents.arrays.keys.contains { WeightName(parsing: $0)?.isLayerNorm == true }
        try Checkpoint.requireTensors(of: ParameterLayout(config: model), in: contents, path: path,
                                      skipping: { lnPre && $0.isLayerNorm })
        var parameters = Parameters(zerosFor: model)
        for entry in parameters.layout.entries {
            let range = entry.offset..<entry.offset + entry.count, name = entry.name.name
            if lnPre, entry.name.isLayerNorm {
                if entry.name.isLayerNormWeight { parameters.storage.replaceSubrange(range, with: repeatElement(1, count: entry.count)) }
                continue
            }
            guard let array = contents.arrays[name] else { throw .missingTensor(path: path, name: name) }
            guard let tensor = array.tensor else {
                throw .unsupported(path: path, what: "tensor '\(name)' has dtype \(array.dtype.safetensorsName)", expected: "F32")
            }
            guard tensor.shape == entry.shape else {
                throw .shapeMismatch(path: path, name: name, expected: entry.shape, found: tensor.shape)
            }
            if let bad = tensor.firstNonFinite {
                throw .nonFinite(path: path, name: name, bad, stored: contents.widenedTensors[name])
            }
            parameters.storage.replaceSubrange(range, with: tensor.scalars)
        }
        if let extra = contents.arrays.keys.sorted().first(where: { parameters.layout.entry(named: $0) == nil && !isBuffer($0) }) {
            throw .unexpectedTensor(path: path, name: extra)
        }
        var config = TrainingConfig.study
        config.model = model
        config.task = options.task
        var checkpoint = Checkpoint(model: Model(parameters: parameters), config: config,
                                    step: contents.metadata["step"].flatMap { Int($0) } ?? 0, loss: .nan, optimizerFile: nil)
        checkpoint.notes = notes
        return checkpoint
    }

    static func isBuffer(_ name: String) -> Bool { name.hasSuffix(".attn.mask") || name.hasSuffix(".attn.IGNORE") }

    /// What an inferred config took for granted, each said once with the flag that overrides it.
    static func assumptions(_ model: ModelConfig, contents: SafetensorsFile, options: CheckpointOptions) -> [String] {
        var notes = [String]()
        if model.hasMLP && options.actFn == nil {
            notes.append("ASSUMED act_fn relu: the weights cannot show the activation function; if the model uses GELU, "
                         + "pass \(CheckpointOptions.actFnFlag) gelu (or --config FILE.json)")
        }
        if contents.arrays[WeightName.lnFinalW.name] == nil && options.normalization == nil {
            notes.append("ASSUMED no normalisation: the file has no LayerNorm weights, which is also how an LNPre model is saved; "
                         + "if it is LNPre, pass \(CheckpointOptions.normalizationFlag) LNPre (or --config FILE.json)")
        }
        return notes
    }

    /// The config the tensors' shapes imply, with `options`' answers to what they cannot show:
    /// the activation function (else relu) and LNPre versus none (else none).
    static func inferredConfig(_ contents: SafetensorsFile, path: String, options: CheckpointOptions) throws(CheckpointError) -> ModelConfig {
        func shape(_ weight: WeightName, rank: Int, _ meaning: String) throws(CheckpointError) -> [Int] {
            let name = weight.name
            guard let array = contents.arrays[name] else {
                throw .unsupported(path: path, what: "no tensor '\(name)'", expected: "\(meaning) to infer the config from, or --config FILE.json")
            }
            guard array.shape.count == rank else {
                throw .unsupported(path: path, what: "tensor '\(name)' has shape \(array.shape)", expected: "rank \(rank): \(meaning)")
            }
            return array.shape
        }
        let embed = try shape(.embed, rank: 2, "[d_vocab, d_model]")
        let positions = try shape(.posEmbed, rank: 2, "[n_ctx, d_model]")
        let query = try shape(.block(0, .wQ), rank: 3, "[n_heads, d_model, d_head]")
        var layers = 0
        while contents.arrays[WeightName.block(layers, .wQ).name] != nil { layers += 1 }
        let mlp = contents.arrays[WeightName.block(0, .wIn).name] == nil ? nil : try shape(.block(0, .wIn), rank: 2, "[d_model, d_mlp]")
        let hasWeights = contents.arrays[WeightName.lnFinalW.name] != nil
        if hasWeights, let said = options.normalization, said != .LN {
            throw .unsupported(path: path, what: "\(CheckpointOptions.normalizationFlag) \(said.rawValue) was given, but the file has LayerNorm weights",
                               expected: "\(CheckpointOptions.normalizationFlag) LN, or none")
        }
        let normalization: ModelConfig.Normalization = hasWeights || options.normalization == .LNPre ? .layerNorm : .none
        let config = ModelConfig(nLayers: layers, dModel: embed[1], nHeads: query[0], dHead: query[2], dMLP: mlp?[1],
                                 actFn: options.actFn ?? .relu, dVocab: embed[0], nCtx: positions[0],
                                 normalization: normalization, positional: .learned)
        guard (1...4).contains(layers), (1...16).contains(config.nHeads) else {
            throw .unsupported(path: path, what: "\(layers) layers of \(config.nHeads) heads", expected: "1-4 layers of 1-16 heads")
        }
        if let problem = config.sizeProblem { throw .unsupported(path: path, what: "its shapes say " + problem, expected: "a smaller model") }
        return config
    }

    static func describe(_ m: ModelConfig) -> String {
        "n_layers \(m.nLayers), d_model \(m.dModel), n_heads \(m.nHeads), d_head \(m.dHead), "
            + (m.dMLP.map { "d_mlp \($0), act_fn \(m.actFn.rawValue)" } ?? "attention-only")
            + ", d_vocab \(m.dVocab), n_ctx \(m.nCtx), normalization \(m.normalization.rawValue)"
    }
}
