import Tensor

/// A TransformerLens hook name, such as `blocks.0.hook_resid_post` or `hook_embed`: the
/// vocabulary of the activation cache, which the analysis and the figures speak too.
///
/// The model's cache and hooks are keyed by the names as text (`name`), as TransformerLens's
/// are; this type writes them from their parts, so that a misspelt name is a compile error
/// rather than a missing activation, and reads them back into their parts (layer, module, point)
/// for labels.
public struct HookName: Hashable, Sendable, CustomStringConvertible {
    /// The layer (`blocks.L.`), or nil for `hook_embed`, `hook_pos_embed` and `ln_final.*`.
    public let layer: Int?
    /// The module inside the block or model (`attn`, `mlp`, `ln1`, `ln2`, `ln_final`), if any.
    public let module: String?
    /// The hook point without `hook_`: `resid_post`, `pattern`, `scale`, ...
    public let point: String

    init(layer: Int?, module: String?, point: String) {
        self.layer = layer
        self.module = module
        self.point = point
    }

    /// The name as TransformerLens writes it.
    public var name: String {
        var parts = [String]()
        if let layer { parts += ["blocks", String(layer)] }
        if let module { parts.append(module) }
        parts.append("hook_" + point)
        return parts.joined(separator: ".")
    }

    public var description: String { name }

    /// Reads a name: `[blocks.L.][module.]hook_point`; nil for anything else.
    public init?(parsing text: String) {
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var layer: Int?
        if parts.first == "blocks" {
            guard parts.count >= 3, let l = Int(parts[1]), l >= 0 else { return nil }
            layer = l
            parts.removeFirst(2)
        }
        guard let last = parts.last, last.hasPrefix("hook_"), last.count > 5, parts.count <= 2 else { return nil }
        let module = parts.count == 2 ? parts[0] : nil
        guard module.map({ !$0.isEmpty && !$0.hasPrefix("hook_") }) ?? true else { return nil }
        self.init(layer: layer, module: module, point: String(last.dropFirst(5)))
    }

    // MARK: The hook points of the forward (see `Model`)

    public static let embed = HookName(layer: nil, module: nil, point: "embed")
    public static let posEmbed = HookName(layer: nil, module: nil, point: "pos_embed")
    public static let finalScale = HookName(layer: nil, module: "ln_final", point: "scale")
    public static func residPre(_ layer: Int) -> HookName { HookName(layer: layer, module: nil, point: "resid_pre") }
    public static func residMid(_ layer: Int) -> HookName { HookName(layer: layer, module: nil, point: "resid_mid") }
    public static func residPost(_ layer: Int) -> HookName { HookName(layer: layer, module: nil, point: "resid_post") }
    public static func attnOut(_ layer: Int) -> HookName { HookName(layer: layer, module: nil, point: "attn_out") }
    public static func mlpOut(_ layer: Int) -> HookName { HookName(layer: layer, module: nil, point: "mlp_out") }
    /// `blocks.L.attn.hook_POINT`: `q`, `k`, `v`, `attn_scores`, `pattern`, `z`, `result`.
    public static func attention(_ layer: Int, _ point: String) -> HookName { HookName(layer: layer, module: "attn", point: point) }
    public static func pattern(_ layer: Int) -> HookName { attention(layer, "pattern") }
    /// `blocks.L.mlp.hook_pre` or `hook_post`.
    public static func mlp(_ layer: Int, _ point: String) -> HookName { HookName(layer: layer, module: "mlp", point: point) }
    /// `blocks.L.ln1.hook_scale` (`ln: 1`) or `ln2`.
    public static func lnScale(_ layer: Int, ln: Int) -> HookName { HookName(layer: layer, module: "ln\(ln)", point: "scale") }

    /// The residual stream at every point the forward exposes, in order: the embedding
    /// (`blocks.0.hook_resid_pre`), then after each layer's attention (`hook_resid_mid`, only
    /// with an MLP) and after the layer (`hook_resid_post`).
    public static func residualStreams(_ config: ModelConfig) -> [HookName] {
        [residPre(0)] + (0..<config.nLayers).flatMap { l in config.hasMLP ? [residMid(l), residPost(l)] : [residPost(l)] }
    }
}

extension Model.CacheSelection {
    /// The activations at these hook points.
    public static func hooks(_ names: [HookName]) -> Model.CacheSelection { .names(Set(names.map(\.name))) }
}

extension Model.ForwardResult {
    /// The cached activation at `hook`, if it was cached.
    public subscript(hook: HookName) -> Tensor? { cache[hook.name] }
}
