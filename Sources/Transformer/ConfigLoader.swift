import Foundation
import SafeYAML
import Spelling
import Yams

/// Reads a `TrainingConfig` from YAML (the `--config` file) or from the JSON stored in a
/// checkpoint. Both go through one typed key table, so a wrong key or type is reported the same
/// way, with its line. Keys that are absent keep the study's values.
public enum ConfigLoader {
    /// A scalar or list read from YAML or JSON, with the line it came from (YAML only).
    enum Value {
        case int(Int), double(Double), string(String), null, list([Value])
    }

    public static func load(yamlFile path: String) throws(ConfigError) -> TrainingConfig {
        try loadNotingDefaults(yamlFile: path).config
    }

    /// The config, and the keys the file set (the rest are the original study's defaults).
    public static func loadNotingDefaults(yamlFile path: String) throws(ConfigError) -> (config: TrainingConfig, given: Set<String>) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(source: path, message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        return try loadNotingDefaults(yaml: text, source: path)
    }

    public static func load(yaml text: String, source: String) throws(ConfigError) -> TrainingConfig {
        try loadNotingDefaults(yaml: text, source: source).config
    }

    public static func loadNotingDefaults(yaml text: String, source: String) throws(ConfigError) -> (config: TrainingConfig, given: Set<String>) {
        if let bomb = YAMLAliasGuard.problem(in: text) {
            throw ConfigError(source: source, line: bomb.line, message: "\(bomb.message); \(bomb.hint)")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigError(source: source, message: "not valid YAML: \(error)")
        }
        guard let root else { return (.study, []) }
        guard let mapping = root.mapping else {
            throw ConfigError(source: source, line: root.mark?.line, message: "expected a mapping of keys to values")
        }
        var entries: [(key: String, value: Value, line: Int?)] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else {
                throw ConfigError(source: source, line: keyNode.mark?.line, message: "keys must be strings")
            }
            entries.append((key, value(of: valueNode), keyNode.mark?.line))
        }
        return (try build(entries, source: source), Set(entries.compactMap { alias($0.key, $0.value)?.key ?? $0.key }))
    }

    /// Parses the `config` JSON of a checkpoint's metadata.
    public static func load(json text: String, source: String) throws(ConfigError) -> TrainingConfig {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw ConfigError(source: source, message: "config metadata is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ConfigError(source: source, message: "config metadata is not a JSON object")
        }
        let entries = dictionary.keys.sorted().map { key in (key: key, value: value(ofJSON: dictionary[key] as Any), line: Int?.none) }
        return try build(entries, source: source)
    }

    private static func value(of node: Node) -> Value {
        if let sequence = node.sequence { return .list(sequence.map(value(of:))) }
        if node.null != nil { return .null }
        if let int = node.int { return .int(int) }
        if let double = node.float { return .double(double) }
        return .string(node.string ?? "")
    }

    private static func value(ofJSON any: Any) -> Value {
        switch any {
        case is NSNull: return .null
        case let list as [Any]: return .list(list.map(value(ofJSON:)))
        case let string as String: return .string(string)
        case let number as NSNumber:
            if let int = any as? Int, Double(int) == number.doubleValue { return .int(int) }
            return .double(number.doubleValue)
        default: return .string("\(any)")
        }
    }

    private static func build(_ entries: [(key: String, value: Value, line: Int?)], source: String) throws(ConfigError) -> TrainingConfig {
        var draft = ConfigDraft()
        for (given, givenValue, line) in entries {
            let (key, value) = alias(given, givenValue) ?? (given, givenValue)
            if key == ignored { continue }
            guard let field = ConfigKey.byName[key] else {
                let names = knownKeys + aliasNames
                throw ConfigError(source: source, line: line, message: "unknown key '\(given)'; "
                                  + NameSuggestion.hint(for: given, in: names) + "known keys: \(knownKeys.joined(separator: " "))")
            }
            let reading = ConfigValue(key: key, value: value, line: line, source: source)
            do { try field.read(&draft, reading) } catch { throw error as? ConfigError ?? reading.fail("valid") }
        }
        var (config, model) = (draft.config, draft.model)
        if entries.contains(where: { $0.key == "batch" }) && !entries.contains(where: { $0.key == "eval_batch" }) {
            config.evalBatch = config.batch
        }
        model.initStd = draft.initStd ?? 0.8 / Float(model.dModel).squareRoot()
        // Without a d_head the heads split d_model evenly, as in TransformerLens.
        if let dHead = draft.dHead {
            model.dHead = dHead
        } else {
            guard model.dModel % model.nHeads == 0 else {
                throw ConfigError(source: source, message: "d_model \(model.dModel) is not a multiple of n_heads \(model.nHeads); "
                                  + "change one of them, or set d_head explicitly")
            }
            model.dHead = model.dModel / model.nHeads
        }
        config.model = model
        if let problem = model.sizeProblem { throw ConfigError(source: source, message: problem) }
        for (key, value) in [("batch", config.batch), ("eval_batch", config.evalBatch)] where !(1...(1 << 20)).contains(value) {
            throw ConfigError(source: source, message: "\(key) is \(value); Rederive trains with \(key) from 1 to \(1 << 20)")
        }
        if case .kBack(let k) = config.task, k >= model.nCtx {
            throw ConfigError(source: source, message: "task k_back:\(k) needs n_ctx > \(k), got \(model.nCtx)")
        }
        return config
    }

    /// TransformerLens's `HookedTransformerConfig` names for the same settings, so that a config
    /// written for it reads here too: the key and value they stand for, or nil for other keys.
    static func alias(_ key: String, _ value: Value) -> (key: String, value: Value)? {
        switch (key, value) {
        case ("normalization_type", .string("LN")): ("normalization", value)
        case ("normalization_type", .null), ("normalization_type", .string("None")): ("normalization", .string("none"))
        case ("normalization_type", _): ("normalization", value)  // refused there, with the choices
        case ("positional_embedding_type", .string("standard")): ("positional", .string("learned"))
        case ("positional_embedding_type", _): ("positional", value)
        case ("attn_only", .string("true")), ("attn_only", .int(1)): ("d_mlp", .null)
        case ("attn_only", _): (ignored, value)  // false: the MLP that d_mlp describes
        case ("initializer_range", _): ("init_std", value)
        default: nil
        }
    }

    /// An alias that sets nothing (`attn_only: false`).
    static let ignored = ""

    static let aliasNames = ["normalization_type", "positional_embedding_type", "attn_only", "initializer_range"]

    /// Every key a config may set (`ConfigKey.all`).
    public static let knownKeys = ConfigKey.all.map(\.name)

    static func describe(_ value: Value) -> String {
        switch value {
        case .int(let n): "\(n)"
        case .double(let x): "\(x)"
        case .string(let s): "'\(s)'"
        case .null: "null"
        case .list(let items): "a list of \(items.count)"
        }
    }
}
