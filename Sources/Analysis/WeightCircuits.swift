import Tensor
import Transformer

/// Weight-product matrices of each head ("circuits"), in TransformerLens's row-vector
/// convention, read from a checkpoint's TransformerLens-named tensors.
///
/// Conventions, chosen so that layer 0's circuits are exact for a model without positional
/// embeddings (its residual stream *is* the token embedding):
/// - Tokens enter a layer as `LN_l(W_E)`: each embedding row is centred, divided by its RMS
///   (eps 1e-5) and scaled and shifted by that layer's `ln1` weight and bias (`ln2` for the MLP).
///   For later layers this is the direct path only. Models without LN use `W_E` as is.
/// - Attention biases b_Q, b_K, b_V and b_O are left out, as in TransformerLens's `FactoredMatrix`
///   circuits; the 1/√d_head scale is left out too.
/// - The OV circuit ends at `W_U` with no final LayerNorm (a per-token scale that does not change
///   which token a head promotes).
public struct WeightCircuits: Sendable {
    public let weights: CheckpointWeights
    public let nLayers: Int, nHeads: Int, dHead: Int
    public let layerNorm: Bool

    public init(weights: CheckpointWeights, nLayers: Int, nHeads: Int, dHead: Int, layerNorm: Bool) {
        self.weights = weights
        self.nLayers = nLayers
        self.nHeads = nHeads
        self.dHead = dHead
        self.layerNorm = layerNorm
    }

    /// Block `layer`'s `[n_heads, a, b]` weight `part` -> the matrix of one head, `[a, b]`.
    func head(_ layer: Int, _ part: WeightName.Block, _ h: Int) throws(AnalysisError) -> Tensor {
        try weights(layer, part)[slice: h]
    }

    /// The token embeddings as layer `layer`'s attention (after `ln1`) sees them, `[d_vocab, d_model]`.
    public func normalizedEmbedding(layer: Int) throws(AnalysisError) -> Tensor {
        let embedding = try weights(.embed)
        guard layerNorm else { return embedding }
        return try Self.layerNorm(embedding, weight: weights(layer, .ln1W), bias: weights(layer, .ln1B))
    }

    /// The factors of the QK circuit `E W_Q W_Kᵀ Eᵀ` of a head: queries `E W_Q` and keys `E W_K`, `[d_vocab, d_head]`.
    public func qkFactors(layer: Int, head h: Int) throws(AnalysisError) -> (queries: Tensor, keys: Tensor) {
        let e = try normalizedEmbedding(layer: layer)
        return (try e.matmul(head(layer, .wQ, h)), try e.matmul(head(layer, .wK, h)))
    }

    /// The QK circuit in the token basis, `[d_vocab (query), d_vocab (key)]`.
    public func qkTokens(layer: Int, head h: Int) throws(AnalysisError) -> Tensor {
        let (q, k) = try qkFactors(layer: layer, head: h)
        return q.matmul(k, transposeOther: true)
    }

    /// `W_V W_O` of a head, `[d_model, d_model]`.
    public func ov(layer: Int, head h: Int) throws(AnalysisError) -> Tensor {
        try head(layer, .wV, h).matmul(head(layer, .wO, h))
    }

    /// `W_Q W_Kᵀ` of a head, `[d_model, d_model]`.
    public func qk(layer: Int, head h: Int) throws(AnalysisError) -> Tensor {
        try head(layer, .wQ, h).matmul(head(layer, .wK, h), transposeOther: true)
    }

    /// The OV circuit in the token basis, `E W_V W_O W_U`, `[d_vocab (source), d_vocab (logit)]`,
    /// with its factors: `E W_V W_O` `[d_vocab, d_model]` and `W_U` `[d_model, d_vocab]`.
    public func ovTokens(layer: Int, head h: Int) throws(AnalysisError) -> (matrix: Tensor, left: Tensor, right: Tensor) {
        let left = try normalizedEmbedding(layer: layer).matmul(ov(layer: layer, head: h))
        let right = try weights(.unembed)
        return (left.matmul(right), left, right)
    }

    /// How much an OV circuit in the token basis (`ovTokens`, `[d_vocab, d_vocab]`) copies: the
    /// share of content tokens whose own logit ranks first among content tokens, and its chance
    /// level. Content tokens are `1..<d_vocab`: token 0 is BOS, never attended as content (see
    /// the tasks' `fillRandomSequences`). The one definition the figures and the report print:
    /// the analysis stores it for every head in `summary.json` (`AnalysisSummary.Head.copying`).
    public static func copyingShare(ovTokens ov: Tensor) -> CopyingShare {
        let n = ov.shape[0]
        guard n > 1 else { return CopyingShare(share: .nan, chance: .nan) }
        var wins = 0
        for i in 1..<n {
            var best = 1
            for j in 1..<n where ov[i, j] > ov[i, best] { best = j }
            if best == i { wins += 1 }
        }
        return CopyingShare(share: Double(wins) / Double(n - 1), chance: 1 / Double(n - 1))
    }

    /// The OV circuit in the token basis as two thin factors, `E W_V` and `(W_O W_U)ᵀ` (both
    /// `[d_vocab, d_head]`): its singular values are those of `left · rightᵀ`, found without
    /// decomposing anything wider than d_head.
    public func ovTokenFactors(layer: Int, head h: Int) throws(AnalysisError) -> (left: Tensor, right: Tensor) {
        let left = try normalizedEmbedding(layer: layer).matmul(head(layer, .wV, h))
        let right = try head(layer, .wO, h).matmul(weights(.unembed)).transposed()
        return (left, right)
    }

    /// What a head writes, seen by the first MLP's neurons: `E W_V W_O diag(ln2.w) W_in`
    /// `[d_vocab, d_mlp]` (LN2's weight folded in; its centring and scale left out).
    public func ovIntoMLP(layer: Int, head h: Int, mlpLayer: Int) throws(AnalysisError) -> Tensor {
        var written = try normalizedEmbedding(layer: layer).matmul(ov(layer: layer, head: h))
        if layerNorm {
            let w = try weights(mlpLayer, .ln2W)
            written = Tensor(shape: written.shape, generating: { written.scalars[$0] * w.scalars[$0 % w.count] })
        }
        return try written.matmul(weights(mlpLayer, .wIn))
    }

    /// Q-, K- and V-composition scores between every head of an earlier layer and every head of a later one.
    public func compositionScores() throws(AnalysisError) -> [CompositionEntry] {
        guard nLayers > 1 else { return [] }
        // Each head's OV and QK once; then the scores in jobs on several threads (each job on
        // one, so the bits do not depend on the thread count).
        let heads = (0..<nLayers).flatMap { l in (0..<nHeads).map { (l, $0) } }
        let circuits = try ParallelJobs.map(heads.count, threads: ComputeThreads.count) { i, _ throws(AnalysisError) in
            (ov: try ov(layer: heads[i].0, head: heads[i].1), qk: try qk(layer: heads[i].0, head: heads[i].1))
        }
        // Jobs in the entries' order: earlier layer, later layer, earlier head.
        let jobs = (0..<nLayers).flatMap { earlier in
            ((earlier + 1)..<nLayers).flatMap { later in (0..<nHeads).map { (earlier: earlier, later: later, h1: $0) } }
        }
        return try ParallelJobs.map(jobs.count, threads: ComputeThreads.count) { job, _ throws(AnalysisError) in
            let (earlier, later, h1) = jobs[job]
            let writes = circuits[earlier * nHeads + h1].ov
            var entries = [CompositionEntry]()
            for h2 in 0..<nHeads {
                let reads = circuits[later * nHeads + h2]
                for kind in CompositionScore.Kind.allCases {
                    entries.append(CompositionEntry(
                        kind: kind, earlierLayer: earlier, earlierHead: h1, laterLayer: later, laterHead: h2,
                        score: CompositionScore.score(kind, earlierOV: writes, laterQK: reads.qk, laterOV: reads.ov)))
                }
            }
            return entries
        }.flatMap { $0 }
    }

    /// Singular values of `left · rightᵀ` (`[m, r]` x `[n, r]`) from the factors: with thin SVDs
    /// `left = U_a S_a V_aᵀ` and `right = U_b S_b V_bᵀ`, they are those of the `r x r` matrix
    /// `S_a V_aᵀ V_b S_b`, so the `m x n` product is never decomposed.
    public static func singularValuesOfProduct(left: Tensor, right: Tensor) throws(AnalysisError) -> [Float] {
        do {
            let a = try LinearAlgebra.svd(left), b = try LinearAlgebra.svd(right)
            var middle = a.vt.matmul(b.vt, transposeOther: true)    // V_aᵀ V_b
            let (rows, cols) = (middle.shape[0], middle.shape[1])
            for i in 0..<rows { for j in 0..<cols { middle[i, j] *= a.singularValues[i] * b.singularValues[j] } }
            return try LinearAlgebra.svd(middle).singularValues
        } catch {
            throw .badInput("singular values: \(error)")
        }
    }

    /// LayerNorm of each row: centre, divide by √(mean square + 1e-5), scale and shift.
    public static func layerNorm(_ x: Tensor, weight: Tensor, bias: Tensor) -> Tensor {
        let d = x.shape[x.rank - 1]
        var out = x
        out.scalars.withUnsafeMutableBufferPointer { values in
            for row in 0..<(values.count / d) {
                let base = row * d
                var mean: Float = 0
                for j in 0..<d { mean += values[base + j] }
                mean /= Float(d)
                var variance: Float = 0
                for j in 0..<d { let c = values[base + j] - mean; variance += c * c }
                let scale = 1 / (variance / Float(d) + 1e-5).squareRoot()
                for j in 0..<d { values[base + j] = (values[base + j] - mean) * scale * weight.scalars[j] + bias.scalars[j] }
            }
        }
        return out
    }
}

/// How much a head's OV circuit copies (`WeightCircuits.copyingShare`): the share of content
/// tokens it promotes above every other content token, and that share by chance.
public struct CopyingShare: Codable, Sendable, Equatable {
    public var share: Double
    public var chance: Double
}

/// One composition score between two heads.
public struct CompositionEntry: Sendable, Equatable, Codable {
    public var kind: CompositionScore.Kind
    public var earlierLayer: Int, earlierHead: Int, laterLayer: Int, laterHead: Int
    public var score: Double
}

extension CompositionEntry {
    /// The strongest entry of each kind (Q, K, V, in that order; the first on a tie), or none
    /// for a model of one layer: what figures and the report quote of the composition scores.
    public static func maxima(_ entries: [CompositionEntry]) -> [CompositionEntry] {
        CompositionScore.Kind.allCases.compactMap { kind in entries.filter { $0.kind == kind }.max { $0.score < $1.score } }
    }
}
