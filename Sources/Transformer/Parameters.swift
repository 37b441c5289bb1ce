import Tensor

/// Where each named parameter tensor lives in one flat `Float` buffer.
///
/// Names (`WeightName`) and shapes are TransformerLens's state dict's (DESIGN.md,
/// "Checkpoints"), in its order: this is the one list of which parameters a config has.
/// Keeping every parameter in one buffer makes the optimiser one loop, the gradient a buffer of
/// the same layout, and a checkpoint a list of slices.
public struct ParameterLayout: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: WeightName
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// False for `pos_embed.W_pos` when positional embeddings are off: it stays zero and the
        /// optimiser skips it (as `requires_grad=False` in PyTorch).
        public var trainable: Bool
    }

    public private(set) var entries: [Entry] = []
    public private(set) var totalCount = 0
    private var index: [WeightName: Int] = [:]

    public init(config c: ModelConfig) {
        let (d, h, e, v) = (c.dModel, c.nHeads, c.dHead, c.dVocab)
        add(.embed, [v, d])
        add(.posEmbed, [c.nCtx, d], trainable: c.positional == .learned)
        for l in 0..<c.nLayers {
            func add(_ part: WeightName.Block, _ shape: [Int]) { self.add(.block(l, part), shape) }
            if c.hasLayerNorm { add(.ln1W, [d]); add(.ln1B, [d]) }
            for part in [WeightName.Block.wQ, .wK, .wV] { add(part, [h, d, e]) }
            add(.wO, [h, e, d])
            for part in [WeightName.Block.bQ, .bK, .bV] { add(part, [h, e]) }
            add(.bO, [d])
            if let m = c.dMLP {
                if c.hasLayerNorm { add(.ln2W, [d]); add(.ln2B, [d]) }
                add(.wIn, [d, m]); add(.bIn, [m])
                add(.wOut, [m, d]); add(.bOut, [d])
            }
        }
        if c.hasLayerNorm { add(.lnFinalW, [d]); add(.lnFinalB, [d]) }
        add(.unembed, [d, v]); add(.unembedBias, [v])
    }

    private mutating func add(_ name: WeightName, _ shape: [Int], trainable: Bool = true) {
        index[name] = entries.count
        entries.append(Entry(name: name, shape: shape, offset: totalCount, trainable: trainable))
        totalCount += shape.reduce(1, *)
    }

    public func entry(_ name: WeightName) -> Entry? { index[name].map { entries[$0] } }

    /// The entry of a tensor named in a file, or nil if it is no parameter of this config.
    public func entry(named text: String) -> Entry? { WeightName(parsing: text).flatMap(entry) }

    /// The offset of `name`, or -1 when the model has no such parameter.
    func offset(_ name: WeightName) -> Int { entry(name)?.offset ?? -1 }
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
            let isWeight = entry.name.isMatrix && (entry.name != .posEmbed || config.positional == .learned)
            if isWeight {
                for i in entry.offset..<entry.offset + entry.count {
                    storage[i] = generator.nextNormal(mean: 0, std: config.initStd)
                }
            } else if entry.name.isLayerNormWeight {
                for i in entry.offset..<entry.offset + entry.count { storage[i] = 1 }
            }
        }
    }

    /// The named parameter as a tensor (a copy), or nil if the model has none by that name.
    public subscript(name: WeightName) -> Tensor? {
        guard let entry = layout.entry(name) else { return nil }
        return Tensor(shape: entry.shape, scalars: Array(storage[entry.offset..<entry.offset + entry.count]))
    }

    /// Replaces the named parameter; the shape must match.
    public mutating func set(_ name: WeightName, _ tensor: Tensor) throws(CheckpointError) {
        guard let entry = layout.entry(name) else { throw .unexpectedTensor(path: "<memory>", name: name.name) }
        guard entry.shape == tensor.shape else {
            throw .shapeMismatch(path: "<memory>", name: name.name, expected: entry.shape, found: tensor.shape)
        }
        storage.replaceSubrange(entry.offset..<entry.offset + entry.count, with: tensor.scalars)
    }

    /// Every parameter by name.
    public var tensors: [WeightName: Tensor] {
        var out: [WeightName: Tensor] = [:]
        for entry in layout.entries { out[entry.name] = self[entry.name] }
        return out
    }
}
