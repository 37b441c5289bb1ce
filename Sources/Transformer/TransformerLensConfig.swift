import Foundation

/// Reads a TransformerLens `HookedTransformerConfig` as `json.dump(cfg.to_dict(), f, default=str)`
/// writes it: the keys Rederive's model has are read, every other key is ignored unless it asks
/// for an architecture Rederive does not run (rotary positions, gated MLPs, RMSNorm, ...), which
/// is refused by name. Values that JSON cannot hold arrive as strings (`"torch.float32"`).
public enum TransformerLensConfig {
    /// Parses the JSON text of a config; `source` names the file in errors.
    public static func modelConfig(json text: String, source: String) throws(ConfigError) -> ModelConfig {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw ConfigError(source: source, message: "not valid JSON; expected what json.dump(cfg.to_dict(), f, default=str) writes")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ConfigError(source: source, message: "expected a JSON object of HookedTransformerConfig fields")
        }
        return try modelConfig(dictionary, source: source)
    }

    /// Whether a JSON object looks like a TransformerLens config rather than Rederive's own
    /// (which has `normalization` and `positional` instead).
    public static func isTransformerLens(json text: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return false }
        return object["normalization_type"] != nil || object["positional_embedding_type"] != nil || object["attn_only"] != nil
    }

    static func modelConfig(_ fields: [String: Any], source: String) throws(ConfigError) -> ModelConfig {
        func fail(_ key: String, _ expected: String) -> ConfigError {
            ConfigError(source: source, message: "'\(key)' must be \(expected), got \(fields[key].map { "\($0)" } ?? "nothing")")
        }
        func int(_ key: String, min: Int = 1) throws(ConfigError) -> Int {
            guard let number = fields[key] as? NSNumber, let n = Int(exactly: number.doubleValue), n >= min else {
                throw fail(key, "an integer >= \(min)")
            }
            return n
        }
        func string(_ key: String) -> String? {
            guard let value = fields[key], !(value is NSNull) else { return nil }
            return value as? String ?? "\(value)"
        }
        func flag(_ key: String) -> Bool { (fields[key] as? NSNumber)?.boolValue ?? false }
        func unsupported(_ key: String, _ supported: String) -> ConfigError {
            ConfigError(source: source, message: "'\(key)' is \(string(key).map { "'\($0)'" } ?? "set"); Rederive runs only \(supported)")
        }

        let attentionOnly = flag("attn_only")
        let dModel = try int("d_model"), dHead = try int("d_head"), nHeads = try int("n_heads")
        let dMLP: Int? = attentionOnly ? nil : try int("d_mlp")
        var actFn = ModelConfig.ActivationFunction.relu
        if !attentionOnly {
            guard let name = string("act_fn"), let parsed = ModelConfig.ActivationFunction(rawValue: name) else {
                throw unsupported("act_fn", "'relu' and 'gelu' (the exact erf GELU)")
            }
            actFn = parsed
        }
        let normalization: ModelConfig.Normalization
        switch string("normalization_type") {
        case "LN", "LNPre": normalization = .layerNorm
        case nil, "None": normalization = .none
        default: throw unsupported("normalization_type", "'LN', 'LNPre' and None")
        }
        if let kind = string("positional_embedding_type"), kind != "standard" {
            throw unsupported("positional_embedding_type", "'standard' (learned, or zeroed for none)")
        }
        for key in ["gated_mlp", "parallel_attn_mlp", "final_rms", "use_qk_norm", "use_local_attn", "post_embedding_ln",
                    "scale_attn_by_inverse_layer_idx", "use_normalization_before_and_after", "use_attention_sinks"] where flag(key) {
            throw unsupported(key, "models without it")
        }
        if let heads = fields["n_key_value_heads"] as? NSNumber, heads.intValue != nHeads {
            throw unsupported("n_key_value_heads", "models whose keys and values have one head per query head")
        }
        if let direction = string("attention_dir"), direction != "causal" { throw unsupported("attention_dir", "'causal' attention") }
        if fields["use_attn_scale"] != nil, !flag("use_attn_scale") { throw unsupported("use_attn_scale", "scaled attention") }
        if let scale = (fields["attn_scale"] as? NSNumber)?.doubleValue, abs(scale - Double(dHead).squareRoot()) > 1e-6 {
            throw unsupported("attn_scale", "attention scaled by sqrt(d_head) = \(Double(dHead).squareRoot())")
        }
        let dVocab = try int("d_vocab", min: 2)
        if let out = fields["d_vocab_out"] as? NSNumber, out.intValue != -1, out.intValue != dVocab {
            throw unsupported("d_vocab_out", "models whose output vocabulary is the input one (d_vocab \(dVocab))")
        }
        let layers = try int("n_layers")
        guard (1...4).contains(layers) else { throw fail("n_layers", "1 to 4") }
        guard (1...16).contains(nHeads) else { throw fail("n_heads", "1 to 16") }
        var config = ModelConfig(nLayers: layers, dModel: dModel, nHeads: nHeads, dHead: dHead, dMLP: dMLP, actFn: actFn,
                                 dVocab: dVocab, nCtx: try int("n_ctx", min: 2), normalization: normalization, positional: .learned)
        if let eps = (fields["eps"] as? NSNumber)?.floatValue, eps > 0 { config.eps = eps }
        if let problem = config.sizeProblem { throw ConfigError(source: source, message: problem) }
        return config
    }
}
