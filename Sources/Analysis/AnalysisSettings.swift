import Transformer

/// What `CheckpointAnalysis` computes on, fixed by default so that every checkpoint of every run
/// is measured on the same tokens.
public struct AnalysisSettings: Sendable {
    /// Sequences in the evaluation batch (written as `tokens.npy`).
    public var evalSequences = 512
    /// Seed of the evaluation batch's generator; independent of any training seed.
    public var evalSeed: UInt64 = 0x5EED_0E7A
    /// Principal components kept per residual stream.
    public var pcaComponents = 10
    /// Sequences (the first of the evaluation batch) on which ablations are run; they are
    /// tiled once per ablation (about 20 + n_ctx times) into one forward pass.
    public var ablationSequences = 32
    /// Sequences per forward (whole blocks of `ablationSequences`), for the ablations and the
    /// evaluation batch's chunks; each thread keeps buffers for that many. First touches of
    /// fresh memory are slow: at d_model 256 a forward's buffers take 4.6 MB per sequence.
    public var ablationSequencesPerForward = 64
    public var probes = PositionProbes.Settings()
    /// How to open checkpoints Rederive did not write (a TransformerLens config, the task).
    public var checkpoint = CheckpointOptions()
    /// Tokens to evaluate on instead of the task's generator (see `TokenFile`): the paths of the
    /// tokens and, optionally, the targets.
    public var tokensFile: (tokens: String, targets: String?)?

    public init() {}

    /// Cheaper settings for the scalar metrics of every checkpoint over training.
    public static var overTraining: AnalysisSettings {
        var settings = AnalysisSettings()
        settings.evalSequences = 128
        settings.probes.logisticTrainSequences = 64
        settings.probes.logistic.iterations = 100
        return settings
    }

    /// Every file an analysis of `source` reads: an output folder must hold none of them.
    public func inputFiles(source: String) -> [String] {
        [source] + [checkpoint.configFile, tokensFile?.tokens, tokensFile?.targets].compactMap { $0 }
    }
}
