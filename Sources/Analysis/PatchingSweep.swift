import Transformer

/// One of TransformerLens's activation-patching sweeps (`transformer_lens.patching`): which hook
/// it patches, which slice of it each patch copies from the clean run, and the shape of its
/// result. The names are TransformerLens's functions without `get_act_patch_`.
public enum PatchingSweep: String, CaseIterable, Sendable, Codable {
    /// `blocks.L.hook_resid_pre` at one position: `[layer, pos]`.
    case residPre = "resid_pre"
    /// `blocks.L.hook_attn_out` at one position: `[layer, pos]`.
    case attnOut = "attn_out"
    /// `blocks.L.hook_mlp_out` at one position: `[layer, pos]` (models with an MLP).
    case mlpOut = "mlp_out"
    /// One head's `blocks.L.attn.hook_z` at every position: `[layer, head]`.
    case attnHeadOutAllPos = "attn_head_out_all_pos"
    /// One head's `blocks.L.attn.hook_z` at one position: `[layer, pos, head]`.
    case attnHeadOutByPos = "attn_head_out_by_pos"
    /// One head's `blocks.L.attn.hook_pattern`, whole: `[layer, head]`.
    case attnHeadPatternAllPos = "attn_head_pattern_all_pos"

    /// The sweeps a model has, in this order (`mlp_out` needs an MLP).
    public static func available(for config: ModelConfig) -> [PatchingSweep] {
        allCases.filter { $0 != .mlpOut || config.hasMLP }
    }

    /// Parses `--sweeps a,b`; nil names the first unknown one.
    public static func parse(_ list: String) -> (sweeps: [PatchingSweep], unknown: String?) {
        var sweeps = [PatchingSweep]()
        for part in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let sweep = PatchingSweep(rawValue: part) else { return (sweeps, part) }
            if !sweeps.contains(sweep) { sweeps.append(sweep) }
        }
        return (sweeps, nil)
    }

    /// The hook patched at `layer`.
    public func hook(_ layer: Int) -> HookName {
        switch self {
        case .residPre: .residPre(layer)
        case .attnOut: .attnOut(layer)
        case .mlpOut: .mlpOut(layer)
        case .attnHeadOutAllPos, .attnHeadOutByPos: .attention(layer, .z)
        case .attnHeadPatternAllPos: .pattern(layer)
        }
    }

    /// The result's shape for a model of `layers` × `heads` on `length` positions.
    public func shape(layers: Int, length: Int, heads: Int) -> [Int] {
        switch self {
        case .residPre, .attnOut, .mlpOut: [layers, length]
        case .attnHeadOutAllPos, .attnHeadPatternAllPos: [layers, heads]
        case .attnHeadOutByPos: [layers, length, heads]
        }
    }

    /// Every patch of the sweep, in the result's row-major order.
    public func patches(layers: Int, length: Int, heads: Int) -> [Patch] {
        var patches = [Patch]()
        for layer in 0..<layers {
            switch self {
            case .residPre, .attnOut, .mlpOut:
                for p in 0..<length { patches.append(Patch(sweep: self, layer: layer, position: p, head: nil)) }
            case .attnHeadOutAllPos, .attnHeadPatternAllPos:
                for h in 0..<heads { patches.append(Patch(sweep: self, layer: layer, position: nil, head: h)) }
            case .attnHeadOutByPos:
                for p in 0..<length {
                    for h in 0..<heads { patches.append(Patch(sweep: self, layer: layer, position: p, head: h)) }
                }
            }
        }
        return patches
    }
}

/// One forward's change: copy the clean run's activation at `sweep.hook(layer)`, at `position`
/// (nil: every position) and `head` (nil: every head), into the corrupted run.
public struct Patch: Equatable, Sendable {
    public var sweep: PatchingSweep
    public var layer: Int
    public var position: Int?
    public var head: Int?

    public var hook: HookName { sweep.hook(layer) }
}
