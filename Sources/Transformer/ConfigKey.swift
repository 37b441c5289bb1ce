import JSONQuoting
/// Every key of a training config, written once: its name (those of
/// `shared/reference/torch_model.py`), how a value is read, and how it is written into a
/// checkpoint's `config` JSON. The YAML and JSON readers (`ConfigLoader`), the writer
/// (`TrainingConfig.json`) and the `train` stage's param check (`ConfigLoader.knownKeys`) all use
/// this one table, so a new key is one entry here.
struct ConfigKey: Sendable {
    let name: String
    /// Throws only `ConfigError`s (closures cannot declare a typed throw).
    let read: @Sendable (inout ConfigDraft, ConfigValue) throws -> Void
    let write: @Sendable (TrainingConfig) -> String

    /// In the order the JSON lists them (so checkpoints stay byte-stable).
    static let all: [ConfigKey] = [
        .init("n_layers", read: { $0.model.nLayers = try $1.int() }, write: { "\($0.model.nLayers)" }),
        .init("d_model", read: { $0.model.dModel = try $1.int() }, write: { "\($0.model.dModel)" }),
        .init("n_heads", read: { $0.model.nHeads = try $1.int() }, write: { "\($0.model.nHeads)" }),
        .init("d_head", read: { $0.dHead = try $1.int() }, write: { "\($0.model.dHead)" }),
        .init("d_mlp", read: { $0.model.dMLP = try $1.isNull ? nil : $1.int() }, write: { $0.model.dMLP.map { "\($0)" } ?? "null" }),
        .init("act_fn", read: { draft, value in
            if case .string(let name) = value.value, name.hasPrefix("gelu_") {
                throw value.fail("'relu' or 'gelu' (the exact erf GELU, TransformerLens's 'gelu'); '\(name)' is an approximation "
                                 + "Rederive does not run")
            }
            draft.model.actFn = try value.choice()
        }, write: { quoted($0.model.actFn.rawValue) }),
        .init("d_vocab", read: { $0.model.dVocab = try $1.int(min: 2) }, write: { "\($0.model.dVocab)" }),
        .init("n_ctx", read: { $0.model.nCtx = try $1.int(min: 2) }, write: { "\($0.model.nCtx)" }),
        .init("normalization", read: { $0.model.normalization = try $1.choice() }, write: { quoted($0.model.normalization.rawValue) }),
        .init("positional", read: { $0.model.positional = try $1.choice() }, write: { quoted($0.model.positional.rawValue) }),
        .init("init_std", read: { $0.initStd = try $1.real() }, write: { number($0.model.initStd) }),
        .init("eps", read: { $0.model.eps = try $1.real() }, write: { number($0.model.eps) }),
        .init("task", read: { $0.config.task = try $1.task() }, write: { quoted($0.task.name) }),
        .init("batch", read: { $0.config.batch = try $1.int() }, write: { "\($0.batch)" }),
        .init("steps", read: { $0.config.steps = try $1.int(min: 1) }, write: { "\($0.steps)" }),
        .init("lr", read: { $0.config.lr = try $1.real() }, write: { number($0.lr) }),
        .init("betas", read: { $0.config.betas = try $1.betas() }, write: { "[\(number($0.betas.0)), \(number($0.betas.1))]" }),
        .init("weight_decay", read: { $0.config.weightDecay = try $1.real() }, write: { number($0.weightDecay) }),
        .init("grad_clip", read: { $0.config.gradClip = try $1.real() }, write: { number($0.gradClip) }),
        .init("warmup_steps", read: { $0.config.warmupSteps = try $1.int(min: 0) }, write: { "\($0.warmupSteps)" }),
        .init("seed", read: { $0.config.seed = UInt64(try $1.int(min: 0)) }, write: { "\($0.seed)" }),
        .init("checkpoint_every", read: { $0.config.checkpointEvery = try $1.int() }, write: { "\($0.checkpointEvery)" }),
        .init("log_every", read: { $0.config.logEvery = try $1.int() }, write: { "\($0.logEvery)" }),
        .init("lr_schedule", read: { $0.config.lrSchedule = try $1.choice() }, write: { quoted($0.lrSchedule.rawValue) }),
        .init("eval_batch", read: { $0.config.evalBatch = try $1.int() }, write: { "\($0.evalBatch)" }),
    ]

    static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    init(_ name: String, read: @escaping @Sendable (inout ConfigDraft, ConfigValue) throws -> Void,
         write: @escaping @Sendable (TrainingConfig) -> String) {
        self.name = name
        self.read = read
        self.write = write
    }

    /// Float's shortest form (0.001, 1e-05); JSON has no NaN or infinity.
    private static func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }
    /// A JSON string literal, escaped as the safetensors header around it is.
    private static func quoted(_ text: String) -> String { jsonQuoted(text) }
}

/// A config being read: keys absent keep the study's values; `d_head` and `init_std` default
/// from the other keys once all are read.
struct ConfigDraft {
    var config = TrainingConfig.study
    var model = TrainingConfig.study.model
    var initStd: Float?
    var dHead: Int?
}

/// One key's value as read from YAML or JSON, with what a reader needs to report it.
struct ConfigValue {
    let key: String
    let value: ConfigLoader.Value
    let line: Int?
    let source: String

    var isNull: Bool { if case .null = value { true } else { false } }

    func fail(_ expected: String) -> ConfigError {
        ConfigError(source: source, line: line, message: "'\(key)' must be \(expected), got \(ConfigLoader.describe(value))")
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

    func choice<E: RawRepresentable & CaseIterable>() throws(ConfigError) -> E where E.RawValue == String {
        if case .string(let s) = value, let e = E(rawValue: s) { return e }
        throw fail("one of " + E.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))
    }

    func task() throws(ConfigError) -> TaskKind {
        guard case .string(let s) = value, let task = TaskKind(name: s) else { throw fail("'previous_token' or 'k_back:K' (e.g. 'k_back:2')") }
        return task
    }

    func betas() throws(ConfigError) -> (Float, Float) {
        guard case .list(let items) = value, items.count == 2 else { throw fail("a list of two numbers in [0, 1)") }
        var pair: [Float] = []
        for item in items {
            switch item {
            case .double(let x) where x >= 0 && x < 1: pair.append(Float(x))
            case .int(0): pair.append(0)
            default: throw fail("a list of two numbers in [0, 1)")
            }
        }
        return (pair[0], pair[1])
    }
}
