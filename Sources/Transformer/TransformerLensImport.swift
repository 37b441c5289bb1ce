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

    public init(configFile: String? = nil, task: TaskKind = .previousToken) {
        self.configFile = configFile; self.task = task
    }
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
            model = try inferredConfig(contents, path: path)
            notes.append("no --config and no config in the metadata; inferred from the tensor shapes: " + describe(model)
                + (model.hasMLP ? " (act_fn cannot be seen in the weights: relu assumed; pass --config for gelu)" : ""))
        }
        if case .kBack(let k) = options.task, k >= model.nCtx {
            throw .unsupported(path: path, what: "task k_back:\(k)", expected: "k < n_ctx = \(model.nCtx)")
        }
        // A zero W_pos (the study's frozen one) is the same model as no positional embedding.
        if let positions = contents.arrays["pos_embed.W_pos"]?.tensor, positions.scalars.allSatisfy({ $0 == 0 }) {
            model.positional = .none
        }
        var parameters = Parameters(zerosFor: model)
        // LNPre (TransformerLens's LayerNorm with the weights folded away) stores no ln tensors.
        let lnPre = model.hasLayerNorm && !contents.arrays.keys.contains(where: isLayerNormParameter)
        for entry in parameters.layout.entries {
            let range = entry.offset..<entry.offset + entry.count
            if lnPre, isLayerNormParameter(entry.name) {
                if entry.name.hasSuffix(".w") { parameters.storage.replaceSubrange(range, with: repeatElement(1, count: entry.count)) }
                continue
            }
            guard let array = contents.arrays[entry.name] else { throw .missingTensor(path: path, name: entry.name) }
            guard let tensor = array.tensor else {
                throw .unsupported(path: path, what: "tensor '\(entry.name)' has dtype \(array.dtype.safetensorsName)", expected: "F32")
            }
            guard tensor.shape == entry.shape else {
                throw .shapeMismatch(path: path, name: entry.name, expected: entry.shape, found: tensor.shape)
            }
            if let bad = tensor.firstNonFinite {
                throw .nonFinite(path: path, name: entry.name, bad, stored: contents.widenedTensors[entry.name])
            }
            parameters.storage.replaceSubrange(range, with: tensor.scalars)
        }
        if let extra = contents.arrays.keys.sorted().first(where: { parameters.layout.entry($0) == nil && !isBuffer($0) }) {
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

    static func isLayerNormParameter(_ name: String) -> Bool {
        name.hasPrefix("ln_final.") || name.contains(".ln1.") || name.contains(".ln2.")
    }

    /// The config the tensors' shapes imply. The activation function cannot be seen (relu is
    /// assumed), nor LNPre (it stores no weights; read as no normalisation).
    static func inferredConfig(_ contents: SafetensorsFile, path: String) throws(CheckpointError) -> ModelConfig {
        func shape(_ name: String, rank: Int, _ meaning: String) throws(CheckpointError) -> [Int] {
            guard let array = contents.arrays[name] else {
                throw .unsupported(path: path, what: "no tensor '\(name)'", expected: "\(meaning) to infer the config from, or --config FILE.json")
            }
            guard array.shape.count == rank else {
                throw .unsupported(path: path, what: "tensor '\(name)' has shape \(array.shape)", expected: "rank \(rank): \(meaning)")
            }
            return array.shape
        }
        let embed = try shape("embed.W_E", rank: 2, "[d_vocab, d_model]")
        let positions = try shape("pos_embed.W_pos", rank: 2, "[n_ctx, d_model]")
        let query = try shape("blocks.0.attn.W_Q", rank: 3, "[n_heads, d_model, d_head]")
        var layers = 0
        while contents.arrays["blocks.\(layers).attn.W_Q"] != nil { layers += 1 }
        let mlp = contents.arrays["blocks.0.mlp.W_in"] == nil ? nil : try shape("blocks.0.mlp.W_in", rank: 2, "[d_model, d_mlp]")
        let config = ModelConfig(nLayers: layers, dModel: embed[1], nHeads: query[0], dHead: query[2], dMLP: mlp?[1],
                                 actFn: .relu, dVocab: embed[0], nCtx: positions[0],
                                 normalization: contents.arrays["ln_final.w"] == nil ? .none : .layerNorm, positional: .learned)
        guard (1...4).contains(layers), (1...16).contains(config.nHeads) else {
            throw .unsupported(path: path, what: "\(layers) layers of \(config.nHeads) heads", expected: "1-4 layers of 1-16 heads")
        }
        return config
    }

    static func describe(_ m: ModelConfig) -> String {
        "n_layers \(m.nLayers), d_model \(m.dModel), n_heads \(m.nHeads), d_head \(m.dHead), "
            + (m.dMLP.map { "d_mlp \($0), act_fn \(m.actFn.rawValue)" } ?? "attention-only")
            + ", d_vocab \(m.dVocab), n_ctx \(m.nCtx), normalization \(m.normalization.rawValue)"
    }
}
