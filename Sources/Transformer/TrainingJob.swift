/// One training run as `rederive train` takes it and a pipeline's `train` stage asks for it:
/// the typed options that the command's flags parse into and that a stage's arguments are
/// spelled from (`Train.arguments(for:)`, the one spelling, beside the flags).
public struct TrainingJob: Equatable, Sendable {
    /// The YAML training config.
    public var config: String
    /// The run folder.
    public var out: String
    /// Overrides of the config's steps and seed.
    public var steps: Int?
    public var seed: UInt64?
    /// Threads; the checkpoints do not depend on them.
    public var threads: Int
    /// Continue from the folder's latest valid checkpoint.
    public var resume = false
    /// Replace the run already in the folder.
    public var overwrite = false
    /// Leave log.csv's tokens_per_s empty, so that identical runs give identical run folders.
    public var deterministicLog = false
    /// Where a diverged run keeps its last good checkpoint and diverged state (`Trainer.postMortemFolder`).
    public var postMortem: String?
    /// How messages name the config, when `config` is a merged copy of it.
    public var configSource: String?

    public init(config: String, out: String, threads: Int) {
        self.config = config; self.out = out; self.threads = threads
    }
}
