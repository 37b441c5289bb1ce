/// A training run's full recipe: the model plus task, optimiser and bookkeeping settings.
///
/// It is read from YAML (`rederive train --config`) and written as JSON into every checkpoint's
/// `__metadata__["config"]`, with the key names of `shared/reference/torch_model.py`, so that
/// the PyTorch twin can rebuild the model from a checkpoint alone.
public struct TrainingConfig: Equatable, Sendable {
    public enum Schedule: String, Sendable, CaseIterable { case constant, cosine }

    public var model: ModelConfig
    public var task: TaskKind
    public var batch: Int
    public var steps: Int
    public var lr: Float
    public var betas: (Float, Float)
    public var weightDecay: Float
    public var gradClip: Float
    public var warmupSteps: Int
    public var seed: UInt64
    public var checkpointEvery: Int
    public var logEvery: Int
    /// After warm-up: constant (the study) or cosine decay to zero at `steps`.
    public var lrSchedule: Schedule = .constant
    /// Sequences in the fixed held-out batch whose loss the log reports.
    public var evalBatch: Int

    public init(model: ModelConfig, task: TaskKind = .previousToken, batch: Int, steps: Int,
                lr: Float, betas: (Float, Float) = (0.9, 0.95), weightDecay: Float = 0.1,
                gradClip: Float = 1.0, warmupSteps: Int = 100, seed: UInt64 = 0,
                checkpointEvery: Int = 500, logEvery: Int = 100,
                lrSchedule: Schedule = .constant, evalBatch: Int? = nil) {
        self.model = model; self.task = task; self.batch = batch; self.steps = steps; self.lr = lr
        self.betas = betas; self.weightDecay = weightDecay; self.gradClip = gradClip
        self.warmupSteps = warmupSteps; self.seed = seed; self.checkpointEvery = checkpointEvery
        self.logEvery = logEvery; self.lrSchedule = lrSchedule; self.evalBatch = evalBatch ?? batch
    }

    /// The study's recipe: AdamW lr 1e-4, betas (0.9, 0.95), weight decay 0.1, clip 1.0,
    /// batch 256, 4000 steps, 100 warm-up steps.
    public static let study = TrainingConfig(model: .study, batch: 256, steps: 4000, lr: 1e-4)

    public static func == (lhs: TrainingConfig, rhs: TrainingConfig) -> Bool {
        lhs.json == rhs.json
    }

    /// The keys as one line of JSON, in a fixed order (so checkpoints are byte-stable).
    /// `d_mlp` is `null` for attention-only models.
    public var json: String {
        let m = model
        func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }  // Float's shortest form, e.g. 0.001, 1e-05
        let fields: [(String, String)] = [
            ("n_layers", "\(m.nLayers)"), ("d_model", "\(m.dModel)"), ("n_heads", "\(m.nHeads)"),
            ("d_head", "\(m.dHead)"), ("d_mlp", m.dMLP.map { "\($0)" } ?? "null"),
            ("act_fn", "\"\(m.actFn.rawValue)\""), ("d_vocab", "\(m.dVocab)"), ("n_ctx", "\(m.nCtx)"),
            ("normalization", "\"\(m.normalization.rawValue)\""),
            ("positional", "\"\(m.positional.rawValue)\""), ("init_std", number(m.initStd)),
            ("eps", number(m.eps)), ("task", "\"\(task.name)\""), ("batch", "\(batch)"),
            ("steps", "\(steps)"), ("lr", number(lr)),
            ("betas", "[\(number(betas.0)), \(number(betas.1))]"),
            ("weight_decay", number(weightDecay)), ("grad_clip", number(gradClip)),
            ("warmup_steps", "\(warmupSteps)"), ("seed", "\(seed)"),
            ("checkpoint_every", "\(checkpointEvery)"), ("log_every", "\(logEvery)"),
            ("lr_schedule", "\"\(lrSchedule.rawValue)\""), ("eval_batch", "\(evalBatch)"),
        ]
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
}
