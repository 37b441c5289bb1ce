import Foundation
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
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(source: path, message: "cannot read the file (missing, unreadable or not UTF-8)")
        }
        return try load(yaml: text, source: path)
    }

    public static func load(yaml text: String, source: String) throws(ConfigError) -> TrainingConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw ConfigError(source: source, message: "not valid YAML: \(error)")
        }
        guard let root else { return .study }
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
        return try build(entries, source: source)
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

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private static func build(_ entries: [(key: String, value: Value, line: Int?)], source: String) throws(ConfigError) -> TrainingConfig {
        var config = TrainingConfig.study
        var model = config.model
        var initStd: Float?
        var dHead: Int?
        for (key, value, line) in entries {
            func fail(_ expected: String) -> ConfigError {
                ConfigError(source: source, line: line, message: "'\(key)' must be \(expected), got \(describe(value))")
            }
            func int(min: Int = 1) throws(ConfigError) -> Int {
                guard case .int(let n) = value, n >= min else { throw fail("an integer >= \(min)") }
                return n
            }
            func real(min: Double = 0) throws(ConfigError) -> Float {
                switch value {
                case .int(let n) where Double(n) >= min: return Float(n)
                case .double(let x) where x >= min && x.isFinite: return Float(x)
                case .string(let s): if let x = Double(s), x >= min, x.isFinite { return Float(x) }
                default: break
                }
                throw fail("a number >= \(min)")
            }
            func choice<E: RawRepresentable & CaseIterable>(_: E.Type) throws(ConfigError) -> E where E.RawValue == String {
                if case .string(let s) = value, let e = E(rawValue: s) { return e }
                throw fail("one of " + E.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))
            }
            switch key {
            case "n_layers": model.nLayers = try int()
            case "d_model": model.dModel = try int()
            case "n_heads": model.nHeads = try int()
            case "d_head": dHead = try int()
            case "d_mlp":
                if case .null = value { model.dMLP = nil } else { model.dMLP = try int() }
            case "act_fn": model.actFn = try choice(ModelConfig.ActivationFunction.self)
            case "d_vocab": model.dVocab = try int(min: 2)
            case "n_ctx": model.nCtx = try int(min: 2)
            case "normalization": model.normalization = try choice(ModelConfig.Normalization.self)
            case "positional": model.positional = try choice(ModelConfig.Positional.self)
            case "init_std": initStd = try real()
            case "eps": model.eps = try real()
            case "task":
                guard case .string(let s) = value, let task = TaskKind(name: s) else {
                    throw fail("'previous_token' or 'k_back:K' (e.g. 'k_back:2')")
                }
                config.task = task
            case "batch": config.batch = try int()
            case "steps": config.steps = try int(min: 1)
            case "lr": config.lr = try real()
            case "betas":
                guard case .list(let items) = value, items.count == 2 else { throw fail("a list of two numbers in [0, 1)") }
                var pair: [Float] = []
                for item in items {
                    switch item {
                    case .double(let x) where x >= 0 && x < 1: pair.append(Float(x))
                    case .int(0): pair.append(0)
                    default: throw fail("a list of two numbers in [0, 1)")
                    }
                }
                config.betas = (pair[0], pair[1])
            case "weight_decay": config.weightDecay = try real()
            case "grad_clip": config.gradClip = try real()
            case "warmup_steps": config.warmupSteps = try int(min: 0)
            case "seed": config.seed = UInt64(try int(min: 0))
            case "checkpoint_every": config.checkpointEvery = try int()
            case "log_every": config.logEvery = try int()
            case "lr_schedule": config.lrSchedule = try choice(TrainingConfig.Schedule.self)
            case "eval_batch": config.evalBatch = try int()
            default:
                throw ConfigError(source: source, line: line, message: "unknown key '\(key)'; known keys: \(knownKeys.joined(separator: " "))")
            }
        }
        if entries.contains(where: { $0.key == "batch" }) && !entries.contains(where: { $0.key == "eval_batch" }) {
            config.evalBatch = config.batch
        }
        model.initStd = initStd ?? 0.8 / Float(model.dModel).squareRoot()
        // Without a d_head the heads split d_model evenly, as in TransformerLens.
        if let dHead {
            model.dHead = dHead
        } else {
            guard model.dModel % model.nHeads == 0 else {
                throw ConfigError(source: source, message: "d_model \(model.dModel) is not a multiple of n_heads \(model.nHeads); "
                                  + "change one of them, or set d_head explicitly")
            }
            model.dHead = model.dModel / model.nHeads
        }
        config.model = model
        if case .kBack(let k) = config.task, k >= model.nCtx {
            throw ConfigError(source: source, message: "task k_back:\(k) needs n_ctx > \(k), got \(model.nCtx)")
        }
        return config
    }

    public static let knownKeys = ["n_layers", "d_model", "n_heads", "d_head", "d_mlp", "act_fn", "d_vocab", "n_ctx",
                            "normalization", "positional", "init_std", "eps", "task", "batch", "steps", "lr",
                            "betas", "weight_decay", "grad_clip", "warmup_steps", "seed", "checkpoint_every",
                            "log_every", "lr_schedule", "eval_batch"]

    private static func describe(_ value: Value) -> String {
        switch value {
        case .int(let n): "\(n)"
        case .double(let x): "\(x)"
        case .string(let s): "'\(s)'"
        case .null: "null"
        case .list(let items): "a list of \(items.count)"
        }
    }
}
