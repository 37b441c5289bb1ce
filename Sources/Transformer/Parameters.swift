import Tensor

/// Where each named parameter tensor lives in one flat `Float` buffer.
///
/// Names and shapes are TransformerLens's state-dict names (DESIGN.md, "Checkpoints"), in its
/// order. Keeping every parameter in one buffer makes the optimiser one loop, the gradient a
/// buffer of the same layout, and a checkpoint a list of slices.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// False for `pos_embed.W_pos` when positional embeddings are off: it stays zero and the
        /// optimiser skips it (as `requires_grad=False` in PyTorch).
        public var trainable: Bool
    }

    public private(set) var entries: [Entry] = []
    public private(set) var totalCount = 0
    private var index: [String: Int] = [:]

    public init(config c: ModelConfig) {
        let (d, h, e, v) = (c.dModel, c.nHeads, c.dHead, c.dVocab)
        add("embed.W_E", [v, d])
        add("pos_embed.W_pos", [c.nCtx, d], trainable: c.positional == .learned)
        for l in 0..<c.nLayers {
            let b = "blocks.\(l)."
            if c.hasLayerNorm { add(b + "ln1.w", [d]); add(b + "ln1.b", [d]) }
            for n in ["Q", "K", "V"] { add(b + "attn.W_\(n)", [h, d, e]) }
            add(b + "attn.W_O", [h, e, d])
            for n in ["Q", "K", "V"] { add(b + "attn.b_\(n)", [h, e]) }
            add(b + "attn.b_O", [d])
            if let m = c.dMLP {
                if c.hasLayerNorm { add(b + "ln2.w", [d]); add(b + "ln2.b", [d]) }
                add(b + "mlp.W_in", [d, m]); add(b + "mlp.b_in", [m])
                add(b + "mlp.W_out", [m, d]); add(b + "mlp.b_out", [d])
            }
        }
        if c.hasLayerNorm { add("ln_final.w", [d]); add("ln_final.b", [d]) }
        add("unembed.W_U", [d, v]); add("unembed.b_U", [v])
    }

    private mutating func add(_ name: String, _ shape: [Int], trainable: Bool = true) {
        index[name] = entries.count
        entries.append(Entry(name: name, shape: shape, offset: totalCount, trainable: trainable))
        totalCount += shape.reduce(1, *)
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The offset of `name`, or -1 when the model has no such parameter.
    func offset(_ name: String) -> Int { entry(name)?.offset ?? -1 }
}

/// A model's parameters: one flat buffer plus its layout.
public struct Parameters: Sendable, Equatable {
    public let config: ModelConfig
    public let layout: ParameterLayout
    /// Every parameter, concatenated in layout order.
    public var storage: [Float]

    /// All zeros (LayerNorm weights too); the starting point for loading.
    public init(zerosFor config: ModelConfig) {
        self.config = config
        layout = ParameterLayout(config: config)
        storage = [Float](repeating: 0, count: layout.totalCount)
    }

    /// TransformerLens's "gpt2" initialisation: every `W_*` normal with `config.initStd` (drawn
    /// in layout order from `RandomGenerator(seed:stream: 0)`), biases zero, LayerNorm weights one,
    /// `W_pos` zero unless positional embeddings are learned.
    public init(config: ModelConfig, seed: UInt64) {
        self.init(zerosFor: config)
        var generator = RandomGenerator(seed: seed, stream: 0)
        for entry in layout.entries {
            let last = entry.name.split(separator: ".").last ?? ""
            let isWeight = last.hasPrefix("W_") && (entry.name != "pos_embed.W_pos" || config.positional == .learned)
            if isWeight {
                for i in entry.offset..<entry.offset + entry.count {
                    storage[i] = generator.nextNormal(mean: 0, std: config.initStd)
                }
            } else if last == "w" {
                for i in entry.offset..<entry.offset + entry.count { storage[i] = 1 }
            }
        }
    }

    /// The named parameter as a tensor (a copy), or nil if the model has none by that name.
    public subscript(name: String) -> Tensor? {
        guard let entry = layout.entry(name) else { return nil }
        return Tensor(shape: entry.shape, scalars: Array(storage[entry.offset..<entry.offset + entry.count]))
    }

    /// Replaces the named parameter; the shape must match.
    public mutating func set(_ name: String, _ tensor: Tensor) throws(CheckpointError) {
        guard let entry = layout.entry(name) else { throw .unexpectedTensor(path: "<memory>", name: name) }
        guard entry.shape == tensor.shape else {
            throw .shapeMismatch(path: "<memory>", name: name, expected: entry.shape, found: tensor.shape)
        }
        storage.replaceSubrange(entry.offset..<entry.offset + entry.count, with: tensor.scalars)
    }

    /// Every parameter by name.
    public var tensors: [String: Tensor] {
        var out: [String: Tensor] = [:]
        for entry in layout.entries { out[entry.name] = self[entry.name] }
        return out
    }
}
