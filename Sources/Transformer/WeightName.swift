/// A parameter's TransformerLens state-dict name, such as `blocks.0.attn.W_O`: the key of
/// `Parameters`, `ParameterLayout` and the analyses' weight lookups.
///
/// This is the one place the names are spelt. The text form (`name`) exists for the file
/// boundary only: safetensors tensor names and errors that quote them. `ParameterLayout` says
/// which of these a config has, with their shapes and order.
public enum WeightName: Hashable, Sendable, CustomStringConvertible {
    /// `embed.W_E` `[d_vocab, d_model]`
    case embed
    /// `pos_embed.W_pos` `[n_ctx, d_model]`
    case posEmbed
    /// `blocks.L.` followed by the part's name.
    case block(Int, Block)
    /// `ln_final.w` and `ln_final.b` `[d_model]`
    case lnFinalW, lnFinalB
    /// `unembed.W_U` `[d_model, d_vocab]` and `unembed.b_U` `[d_vocab]`
    case unembed, unembedBias

    /// The parameters of one transformer block, in TransformerLens's state-dict order.
    public enum Block: String, CaseIterable, Sendable {
        case ln1W = "ln1.w", ln1B = "ln1.b"
        case wQ = "attn.W_Q", wK = "attn.W_K", wV = "attn.W_V", wO = "attn.W_O"
        case bQ = "attn.b_Q", bK = "attn.b_K", bV = "attn.b_V", bO = "attn.b_O"
        case ln2W = "ln2.w", ln2B = "ln2.b"
        case wIn = "mlp.W_in", bIn = "mlp.b_in", wOut = "mlp.W_out", bOut = "mlp.b_out"
    }

    /// The name as TransformerLens's state dict (and a safetensors checkpoint) spells it.
    public var name: String {
        switch self {
        case .embed: "embed.W_E"
        case .posEmbed: "pos_embed.W_pos"
        case .block(let layer, let part): "blocks.\(layer)." + part.rawValue
        case .lnFinalW: "ln_final.w"
        case .lnFinalB: "ln_final.b"
        case .unembed: "unembed.W_U"
        case .unembedBias: "unembed.b_U"
        }
    }

    public var description: String { name }

    /// Reads a state-dict name; nil for anything that is not a parameter name (a buffer such as
    /// `blocks.0.attn.mask`, an optimizer moment, a misspelling).
    public init?(parsing text: String) {
        let candidates: [WeightName]
        if text.hasPrefix("blocks.") {
            let layer = text.dropFirst("blocks.".count).prefix { $0.isASCII && $0.isNumber }
            guard let l = Int(layer) else { return nil }
            candidates = Block.allCases.map { .block(l, $0) }
        } else {
            candidates = [.embed, .posEmbed, .lnFinalW, .lnFinalB, .unembed, .unembedBias]
        }
        // Comparing the spelt names rejects what does not round-trip, such as `blocks.01.ln1.w`.
        guard let found = candidates.first(where: { $0.name == text }) else { return nil }
        self = found
    }

    /// A weight matrix (`W_*`), drawn from the normal at initialisation; biases and LayerNorm
    /// parameters are not.
    public var isMatrix: Bool {
        switch self {
        case .embed, .posEmbed, .unembed: true
        case .lnFinalW, .lnFinalB, .unembedBias: false
        case .block(_, let part): [.wQ, .wK, .wV, .wO, .wIn, .wOut].contains(part)
        }
    }

    /// A LayerNorm parameter (`ln1`, `ln2` or `ln_final`, weight or bias).
    public var isLayerNorm: Bool {
        switch self {
        case .lnFinalW, .lnFinalB: true
        case .block(_, let part): [.ln1W, .ln1B, .ln2W, .ln2B].contains(part)
        default: false
        }
    }

    /// A LayerNorm's weight (`w`), one at initialisation and when LNPre folded it away.
    public var isLayerNormWeight: Bool {
        switch self {
        case .lnFinalW: true
        case .block(_, let part): part == .ln1W || part == .ln2W
        default: false
        }
    }
}
