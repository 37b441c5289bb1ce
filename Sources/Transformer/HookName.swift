/// A TransformerLens hook point, such as `blocks.0.hook_resid_post` or `hook_embed`: the key of
/// the model's activation cache and hooks, which the analysis and the figures speak too.
///
/// Every hook point the forward has is one case, so a misspelt or impossible name is a compile
/// error rather than a missing activation. The text form (`name`, and `init(parsing:)` back)
/// exists for the file boundary only: analysis summaries and arrays named after a hook, and
/// TransformerLens's own caches, which the tests compare against.
public enum HookName: Hashable, Sendable, CustomStringConvertible {
    /// `hook_embed`: the token embedding `W_E[token]`.
    case embed
    /// `hook_pos_embed`: `W_pos[position]`.
    case posEmbed
    /// `blocks.L.hook_resid_pre`, `hook_resid_mid` (only with an MLP) and `hook_resid_post`.
    case residPre(Int), residMid(Int), residPost(Int)
    /// `blocks.L.hook_attn_out` and `blocks.L.hook_mlp_out`.
    case attnOut(Int), mlpOut(Int)
    /// `blocks.L.attn.hook_POINT`.
    case attention(Int, AttentionPoint)
    /// `blocks.L.mlp.hook_pre` or `hook_post`.
    case mlp(Int, MLPPoint)
    /// `blocks.L.ln1.hook_POINT`, `blocks.L.ln2.hook_POINT` or `ln_final.hook_POINT`.
    case layerNorm(LayerNormSite, LayerNormPoint)

    public enum AttentionPoint: String, CaseIterable, Sendable {
        case q, k, v
        case attnScores = "attn_scores"
        case pattern, z, result
    }

    public enum MLPPoint: String, CaseIterable, Sendable { case pre, post }

    public enum LayerNormPoint: String, CaseIterable, Sendable { case scale, normalized }

    /// Which LayerNorm: before a block's attention (`ln1`), before its MLP (`ln2`), or the final one.
    public enum LayerNormSite: Hashable, Sendable {
        case ln1(Int), ln2(Int), final
    }

    /// The name as TransformerLens writes it.
    public var name: String {
        let (layer, module, point) = parts
        return (layer.map { "blocks.\($0)." } ?? "") + (module.map { $0 + "." } ?? "") + "hook_" + point
    }

    public var description: String { name }

    /// The block the hook point is in (`blocks.L.`), or nil for the embeddings and `ln_final`.
    public var layer: Int? { parts.layer }

    /// The hook point without `hook_` and its module: `resid_post`, `pattern`, `scale`, ...
    public var point: String { parts.point }

    /// The first layer a forward must run for a change here to take effect: the hook's block,
    /// 0 for the embeddings and `nLayers` for `ln_final` (which runs after every block).
    public func firstLayer(nLayers: Int) -> Int {
        if case .layerNorm(.final, _) = self { return nLayers }
        return layer ?? 0
    }

    private var parts: (layer: Int?, module: String?, point: String) {
        switch self {
        case .embed: (nil, nil, "embed")
        case .posEmbed: (nil, nil, "pos_embed")
        case .residPre(let l): (l, nil, "resid_pre")
        case .residMid(let l): (l, nil, "resid_mid")
        case .residPost(let l): (l, nil, "resid_post")
        case .attnOut(let l): (l, nil, "attn_out")
        case .mlpOut(let l): (l, nil, "mlp_out")
        case .attention(let l, let point): (l, "attn", point.rawValue)
        case .mlp(let l, let point): (l, "mlp", point.rawValue)
        case .layerNorm(.ln1(let l), let point): (l, "ln1", point.rawValue)
        case .layerNorm(.ln2(let l), let point): (l, "ln2", point.rawValue)
        case .layerNorm(.final, let point): (nil, "ln_final", point.rawValue)
        }
    }

    /// Reads a name: `[blocks.L.][module.]hook_point`; nil for anything that is not a hook point
    /// of the forward.
    public init?(parsing text: String) {
        let candidates: [HookName]
        if text.hasPrefix("blocks.") {
            let layer = text.dropFirst("blocks.".count).prefix { $0.isASCII && $0.isNumber }
            guard let l = Int(layer) else { return nil }
            candidates = Self.blockPoints(l)
        } else {
            candidates = [.embed, .posEmbed] + LayerNormPoint.allCases.map { .layerNorm(.final, $0) }
        }
        // Comparing the spelt names rejects what does not round-trip, such as `blocks.01.hook_z`.
        guard let found = candidates.first(where: { $0.name == text }) else { return nil }
        self = found
    }

    /// Every hook point of block `l`.
    static func blockPoints(_ l: Int) -> [HookName] {
        [.residPre(l), .residMid(l), .residPost(l), .attnOut(l), .mlpOut(l)]
            + AttentionPoint.allCases.map { .attention(l, $0) } + MLPPoint.allCases.map { .mlp(l, $0) }
            + LayerNormPoint.allCases.flatMap { [.layerNorm(.ln1(l), $0), .layerNorm(.ln2(l), $0)] }
    }

    /// `blocks.L.attn.hook_pattern`, the attention pattern `[batch, head, query, key]`.
    public static func pattern(_ layer: Int) -> HookName { .attention(layer, .pattern) }

    /// `ln_final.hook_scale`, the final LayerNorm's scale `[batch, pos, 1]`.
    public static let finalScale = HookName.layerNorm(.final, .scale)

    /// The residual stream at every point the forward exposes, in order: the embedding
    /// (`blocks.0.hook_resid_pre`), then after each layer's attention (`hook_resid_mid`, only
    /// with an MLP) and after the layer (`hook_resid_post`).
    public static func residualStreams(_ config: ModelConfig) -> [HookName] {
        [residPre(0)] + (0..<config.nLayers).flatMap { l in config.hasMLP ? [residMid(l), residPost(l)] : [residPost(l)] }
    }
}
