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
        "{" + ConfigKey.all.map { "\"\($0.name)\": \($0.write(self))" }.joined(separator: ", ") + "}"
    }
}
