/// The JSON summary `rederive analyze` writes beside its `.npy` arrays (`summary.json`).
/// Arrays too large for JSON are in the named `.npy` files.
public struct AnalysisSummary: Codable, Sendable, Equatable {
    public struct Head: Codable, Sendable, Equatable {
        public var layer: Int, head: Int
        public var scores: AttentionScores
        /// a/(a + i) fitted to the mean attention to BOS by query position.
        public var bosFit: BOSAttentionFit
        public var qkTokenSingularValues: [Float]
        public var ovTokenSingularValues: [Float]
        /// How much the head's OV circuit copies (`WeightCircuits.copyingShare`, BOS excluded).
        public var copying: CopyingShare
        /// Mean attention on the token k back, k from the task (`KBackScore.offset`); nil when
        /// the context is too short for it.
        public var kBack: KBackScore?
        /// The key the head mostly attends to, if one takes at least 40% (`HeadRole`).
        public var role: HeadRole?
    }

    public struct PCA: Codable, Sendable, Equatable {
        public var stream: String
        public var explainedVarianceRatio: [Float]
        /// The same for the PCA of the per-position mean residual.
        public var positionMeanExplainedVarianceRatio: [Float]
    }

    public struct MLPLayer: Codable, Sendable, Equatable {
        public var layer: Int
        /// The fraction of (token, neuron) pairs with a positive post-activation.
        public var firingRate: Double
        /// Neurons that never fire on the evaluation batch.
        public var deadNeurons: Int
    }

    public struct Ablation: Codable, Sendable, Equatable {
        public var activation: String
        public var loss: Double
    }

    /// The checkpoint's file name (not its path, so that the summary does not depend on where
    /// the run folder sits).
    public var checkpoint: String
    public var step: Int
    /// The training config of the checkpoint, as JSON (the keys of `rederive train`).
    public var config: String
    public var evalSequences: Int
    /// Mean loss on the evaluation batch, and its uniform-guess reference ln(d_vocab − 1).
    public var loss: Double
    public var uniformLoss: Double
    public var heads: [Head]
    public var probes: [ResidualStreamReport]
    public var pca: [PCA]
    public var composition: [CompositionEntry]
    /// The strongest composition score of each kind (`CompositionEntry.maxima`).
    public var compositionMaxima: [CompositionEntry]
    /// Components of `dla.npy`, in row order.
    public var dlaComponents: [String]
    public var mlp: [MLPLayer]
    /// Loss on the first `ablationSequences` of the batch, intact and with each activation
    /// replaced by its mean over the evaluation batch (per position).
    public var ablationBaselineLoss: Double
    public var ablations: [Ablation]
    /// Every array written, relative to the output folder.
    public var files: [String]
}

/// One row of `training.json`: the scalar metrics of one checkpoint.
public struct TrainingMetrics: Codable, Sendable, Equatable {
    public var step: Int
    public var loss: Double
    public var heads: [AnalysisSummary.Head.Scores]
    public var probes: [ResidualStreamReport]
}

extension AnalysisSummary.Head {
    /// The per-head scores of the over-training table.
    public struct Scores: Codable, Sendable, Equatable {
        public var layer: Int, head: Int
        public var previousToken: Double, bos: Double, currentToken: Double
    }
}
