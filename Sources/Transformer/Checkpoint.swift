import Foundation
import Tensor

/// A saved model: TransformerLens-named tensors in a safetensors file, with the run's config,
/// step, seed, loss and optimizer-state file name in `__metadata__`.
///
/// `pos_embed.W_pos` is always present (zeros without positional embeddings), so PyTorch loads
/// the file into `torch_model.py` or TransformerLens without reshaping.
public struct Checkpoint: Sendable {
    public var model: Model
    public var config: TrainingConfig
    /// Optimiser updates taken before this checkpoint.
    public var step: Int
    /// Training loss of the last step (NaN for the initial checkpoint).
    public var loss: Float
    /// File name (in the same folder) of the optimizer state that resumes this run, if any.
    public var optimizerFile: String?
    /// What loading skipped or inferred (a foreign checkpoint's buffers, an inferred config),
    /// for the command to print once; empty for Rederive's own checkpoints.
    public var notes: [String] = []

    public init(model: Model, config: TrainingConfig, step: Int, loss: Float, optimizerFile: String?) {
        self.model = model; self.config = config; self.step = step; self.loss = loss
        self.optimizerFile = optimizerFile
    }

    /// Reads a checkpoint file, or a run folder's `model.safetensors`. A file without Rederive's
    /// config in its metadata (or with `options.configFile`) is read as a TransformerLens state
    /// dict (see `CheckpointOptions`).
    public static func load(_ path: String, options: CheckpointOptions = CheckpointOptions()) throws(CheckpointError) -> Checkpoint {
        var isFolder: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            ? RunFolder(path).modelPath : path
        let contents: SafetensorsFile
        do { contents = try SafetensorsFile.read(file) } catch { throw .file(error) }
        guard options.configFile == nil, let json = contents.metadata["config"], !TransformerLensConfig.isTransformerLens(json: json) else {
            return try TransformerLensImport.checkpoint(contents, path: file, options: options)
        }
        return try decode(contents, path: file)
    }

    /// The checkpoint in a safetensors file's contents; `file` names it in errors. Every
    /// parameter must be present, of its shape, and finite.
    public static func decode(_ contents: SafetensorsFile, path file: String) throws(CheckpointError) -> Checkpoint {
        guard let json = contents.metadata["config"] else { throw .missingMetadata(path: file, key: "config") }
        let config: TrainingConfig
        do { config = try ConfigLoader.load(json: json, source: file + " (metadata 'config')") } catch { throw .badConfig(error) }
        try requireTensors(of: ParameterLayout(config: config.model), in: contents, path: file)
        var parameters = Parameters(zerosFor: config.model)
        for entry in parameters.layout.entries {
            guard let tensor = contents.arrays[entry.name.name]?.tensor else { throw .missingTensor(path: file, name: entry.name.name) }
            if let bad = tensor.firstNonFinite {
                throw .nonFinite(path: file, name: entry.name.name, bad, stored: contents.widenedTensors[entry.name.name])
            }
            parameters.storage.replaceSubrange(entry.offset..<entry.offset + entry.count, with: tensor.scalars)
        }
        if let extra = contents.arrays.keys.sorted().first(where: { parameters.layout.entry(named: $0) == nil }) {
            throw .unexpectedTensor(path: file, name: extra)
        }
        return Checkpoint(model: Model(parameters: parameters), config: config,
                          step: contents.metadata["step"].flatMap { Int($0) } ?? 0,
                          loss: contents.metadata["loss"].flatMap { Float($0) } ?? .nan,
                          optimizerFile: contents.metadata["optimizer"])
    }

    /// Checks that every parameter of `layout` is in the file, as float32, of its shape, before
    /// anything is allocated for the model: a config (from metadata, --config or a header) can
    /// ask for any size, but the tensors in the file are what is really there. `skipping`
    /// names parameters that may be absent (LNPre's LayerNorm weights).
    static func requireTensors(of layout: ParameterLayout, in contents: SafetensorsFile, path: String,
                               skipping: (WeightName) -> Bool = { _ in false }) throws(CheckpointError) {
        for entry in layout.entries where !skipping(entry.name) {
            guard let array = contents.arrays[entry.name.name] else { throw .missingTensor(path: path, name: entry.name.name) }
            guard array.tensor != nil else {
                throw .unsupported(path: path, what: "tensor '\(entry.name)' has dtype \(array.dtype.safetensorsName)",
                                   expected: "F32, F16 or BF16 (a model parameter is a float)")
            }
            guard array.shape == entry.shape else {
                throw .shapeMismatch(path: path, name: entry.name.name, expected: entry.shape, found: array.shape)
            }
        }
    }

    /// The safetensors file (tensors + metadata); byte-stable for equal contents.
    public var file: SafetensorsFile {
        var arrays: [String: NDArray] = [:]
        for (name, tensor) in model.parameters.tensors { arrays[name.name] = .float32(tensor) }
        var metadata = ["config": config.json, "step": "\(step)", "loss": "\(loss)", "seed": "\(config.seed)",
                        "format": "rederive-checkpoint-1"]
        if let optimizerFile { metadata["optimizer"] = optimizerFile }
        return SafetensorsFile(arrays: arrays, metadata: metadata)
    }

    public func write(to path: String) throws(CheckpointError) {
        do { try file.write(to: path) } catch { throw .file(error) }
    }
}

/// What resumes a run exactly besides the weights: AdamW's moments and step, and the state of
/// the generator that draws training batches. Stored as safetensors (`m.NAME`, `v.NAME`,
/// `generator` as four int64 words).
public struct OptimizerState: Sendable, Equatable {
    public var optimizer: AdamW
    public var generatorState: [UInt64]

    public init(optimizer: AdamW, generatorState: [UInt64]) {
        self.optimizer = optimizer; self.generatorState = generatorState
    }

    public func write(to path: String, layout: ParameterLayout) throws(CheckpointError) {
        var arrays: [String: NDArray] = [:]
        for entry in layout.entries where entry.trainable {
            let range = entry.offset..<entry.offset + entry.count
            arrays["m." + entry.name.name] = .float32(Tensor(shape: entry.shape, scalars: Array(optimizer.m[range])))
            arrays["v." + entry.name.name] = .float32(Tensor(shape: entry.shape, scalars: Array(optimizer.v[range])))
        }
        arrays["generator"] = .int64(shape: [4], values: generatorState.map { Int64(bitPattern: $0) })
        let metadata = ["step": "\(optimizer.step)", "format": "rederive-optimizer-1"]
        do { try SafetensorsFile(arrays: arrays, metadata: metadata).write(to: path) } catch { throw .file(error) }
    }

    public static func read(_ path: String, layout: ParameterLayout, betas: (Float, Float),
                            weightDecay: Float) throws(CheckpointError) -> OptimizerState {
        let contents: SafetensorsFile
        do { contents = try SafetensorsFile.read(path) } catch { throw .file(error) }
        var optimizer = AdamW(layout: layout, betas: betas, weightDecay: weightDecay)
        guard let step = contents.metadata["step"].flatMap({ Int($0) }) else {
            throw .missingMetadata(path: path, key: "step")
        }
        optimizer.step = step
        for entry in layout.entries where entry.trainable {
            for (prefix, isFirst) in [("m.", true), ("v.", false)] {
                let tensor: Tensor
                let name = prefix + entry.name.name
                do { tensor = try contents.tensor(name, path: path) } catch {
                    throw .missingTensor(path: path, name: name)
                }
                guard tensor.shape == entry.shape else {
                    throw .shapeMismatch(path: path, name: name, expected: entry.shape, found: tensor.shape)
                }
                if let bad = tensor.firstNonFinite {
                    throw .nonFinite(path: path, name: name, index: bad.index, value: bad.value)
                }
                let range = entry.offset..<entry.offset + entry.count
                if isFirst { optimizer.m.replaceSubrange(range, with: tensor.scalars) }
                else { optimizer.v.replaceSubrange(range, with: tensor.scalars) }
            }
        }
        guard case .int64(_, let words)? = contents.arrays["generator"], words.count == 4 else {
            throw .missingTensor(path: path, name: "generator")
        }
        return OptimizerState(optimizer: optimizer, generatorState: words.map { UInt64(bitPattern: $0) })
    }
}
