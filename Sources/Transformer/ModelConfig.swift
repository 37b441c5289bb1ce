/// The shape of a model: everything needed to allocate its parameters and run its forward.
///
/// Field names follow TransformerLens's `HookedTransformerConfig`; `dMLP == nil` means an
/// attention-only model (no `ln2`, no MLP parameters).
public struct ModelConfig: Equatable, Sendable {
    public enum ActivationFunction: String, Sendable, CaseIterable { case relu, gelu }
    public enum Normalization: String, Sendable, CaseIterable { case layerNorm = "LN", none }
    public enum Positional: String, Sendable, CaseIterable { case none, learned }

    public var nLayers: Int
    public var dModel: Int
    public var nHeads: Int
    public var dHead: Int
    public var dMLP: Int?
    public var actFn: ActivationFunction
    public var dVocab: Int
    public var nCtx: Int
    public var normalization: Normalization
    public var positional: Positional
    /// Standard deviation of the weight initialisation; TransformerLens's "gpt2" init uses
    /// 0.8 / sqrt(d_model).
    public var initStd: Float
    /// LayerNorm's epsilon.
    public var eps: Float = 1e-5

    public init(nLayers: Int, dModel: Int, nHeads: Int, dHead: Int, dMLP: Int?,
                actFn: ActivationFunction = .relu, dVocab: Int, nCtx: Int,
                normalization: Normalization = .layerNorm, positional: Positional = .none,
                initStd: Float? = nil) {
        self.nLayers = nLayers; self.dModel = dModel; self.nHeads = nHeads; self.dHead = dHead
        self.dMLP = dMLP; self.actFn = actFn; self.dVocab = dVocab; self.nCtx = nCtx
        self.normalization = normalization; self.positional = positional
        self.initStd = initStd ?? 0.8 / Float(dModel).squareRoot()
    }

    /// The study's model (TransformerLens demo "No_Position_Experiment").
    public static let study = ModelConfig(nLayers: 2, dModel: 64, nHeads: 1, dHead: 64, dMLP: 256,
                                          actFn: .relu, dVocab: 300, nCtx: 50)

    public var hasLayerNorm: Bool { normalization == .layerNorm }
    public var hasMLP: Bool { dMLP != nil }
    /// Width of the concatenated heads, `n_heads * d_head`.
    public var attentionWidth: Int { nHeads * dHead }

    /// Multiply-adds x 2 of one forward pass per token over a context of `n` positions
    /// (dense attention products, as computed). Backward costs about twice this.
    public func forwardFLOPsPerToken(contextLength n: Int) -> Double {
        let d = Double(dModel), a = Double(attentionWidth)
        var perLayer = 2 * d * 3 * a + 2 * a * d + 2 * 2 * Double(n) * a
        if let m = dMLP { perLayer += 2 * 2 * d * Double(m) }
        return Double(nLayers) * perLayer + 2 * d * Double(dVocab)
    }
}

extension ModelConfig {
    /// Ceilings far above any small model Rederive is for, checked before a config's sizes are
    /// used for anything (even a parameter list): a typo such as `n_ctx: 1e8` gets a sentence, not
    /// an allocation of gigabytes. The memory a command needs is checked separately
    /// (`MemoryBudget`), against the machine.
    public static let ceilings: [(key: String, limit: Int)] = [
        ("n_layers", 64), ("d_model", 16_384), ("n_heads", 1_024), ("d_head", 4_096),
        ("d_mlp", 131_072), ("d_vocab", 1 << 20), ("n_ctx", 65_536),
    ]

    /// The first size over its ceiling or below 1, in words, or nil.
    public var sizeProblem: String? {
        let sizes = [nLayers, dModel, nHeads, dHead, dMLP ?? 1, dVocab, nCtx]
        for ((key, limit), size) in zip(Self.ceilings, sizes) where !(1...limit).contains(size) {
            return "\(key) is \(size); Rederive runs models with \(key) from 1 to \(limit)"
        }
        return nil
    }
}
