import Foundation
import Reproducible
import Tensor
import Transformer

/// Everything the study's figures need from one checkpoint, computed on a fixed evaluation
/// batch and written as `.npy` arrays plus `summary.json`:
///
///     tokens.npy                                [seqs, n_ctx] int64, the evaluation batch
///     attention.L{l}.pattern.npy                [heads, n_ctx, n_ctx] mean pattern
///     pca.{stream}.projection.npy               [seqs, n_ctx, 3] coordinates on PC1..PC3
///     pca.{stream}.components.npy               [k, d_model]
///     pca.{stream}.position_mean.projection.npy [n_ctx, 3] PCA of the per-position mean
///     circuits.L{l}H{h}.qk_tokens.npy           [d_vocab, d_vocab]
///     circuits.L{l}H{h}.qk_positions.npy        [n_ctx, n_ctx] (mean residual per position)
///     circuits.L{l}H{h}.ov_tokens.npy           [d_vocab, d_vocab]
///     circuits.L{l}H{h}.ov_mlp0.npy             [d_vocab, d_mlp] (models with an MLP)
///     dla.npy                                   [components, n_ctx]
///     mlp{l}.activation_by_position.npy         [n_ctx, d_mlp] mean post-activation
///     mlp{l}.firing_by_position.npy             [n_ctx, d_mlp] fraction > 0
///     ablation.attn0_by_position.npy            [n_ctx] loss with layer 0's attention
///                                               output mean-ablated at one position
///
/// Residual streams are `blocks.0.hook_resid_pre` (the embedding, plus W_pos if learned) and
/// each layer's `hook_resid_mid` (with an MLP) and `hook_resid_post`.
public struct CheckpointAnalysis {
    public let checkpoint: Checkpoint
    public let checkpointPath: String
    public let settings: AnalysisSettings
    public let evalBatch: TokenBatch

    public init(checkpointPath: String, settings: AnalysisSettings = AnalysisSettings()) throws(AnalysisError) {
        let loaded: Checkpoint
        do { loaded = try Checkpoint.load(checkpointPath, options: settings.checkpoint) } catch {
            throw .badCheckpoint(path: checkpointPath, reason: "\(error)")
        }
        try self.init(checkpoint: loaded, path: checkpointPath, settings: settings)
    }

    public init(checkpoint: Checkpoint, path: String, settings: AnalysisSettings = AnalysisSettings()) throws(AnalysisError) {
        self.checkpoint = checkpoint
        self.checkpointPath = path
        self.settings = settings
        let model = checkpoint.config.model
        if let file = settings.tokensFile {
            evalBatch = try TokenFile.batch(tokens: file.tokens, targets: file.targets, model: model)
        } else {
            var generator = RandomGenerator(seed: settings.evalSeed)
            evalBatch = checkpoint.config.task.task.makeBatch(
                batch: settings.evalSequences, length: model.nCtx, vocabulary: model.dVocab, generator: &generator)
        }
    }

    var config: ModelConfig { checkpoint.config.model }
    var model: Model { checkpoint.model }

    /// The residual streams probed and decomposed, in forward order.
    var streams: [String] { HookName.residualStreams(config).map(\.name) }

    // MARK: Everything

    /// Computes every quantity and writes the arrays and `summary.json` into `folder`.
    @discardableResult
    public func write(to folder: String) throws(AnalysisError) -> AnalysisSummary {
        let output = try OutputFolder(folder)
        let run = model.run(evalBatch, cache: .all)
        let cache = run.cache
        try output.write(.int64(shape: [evalBatch.batch, evalBatch.length], values: evalBatch.tokens.map(Int64.init)), "tokens.npy")

        let heads = try attentionAndCircuits(cache: cache, output: output)
        var probeJobs = [(stream: String, residual: Tensor, normalized: Bool)](), pcas = [AnalysisSummary.PCA]()
        for stream in streams {
            let residual = try activation(cache, stream)
            probeJobs += [(stream, residual, false), (stream, residual, true)]
            pcas.append(try principalComponents(stream: stream, residual: residual, output: output))
        }
        let probes = try PositionProbes.reports(probeJobs, settings: settings.probes, threads: ComputeThreads.count)
        let composition = try circuits.compositionScores()
        let dla = try logitAttribution(cache: cache)
        try output.write(.float32(dla.meanByPosition), "dla.npy")
        let mlp = try neurons(cache: cache, output: output)
        let (baseline, ablations) = try ablate(cache: cache, output: output)

        let summary = AnalysisSummary(
            checkpoint: (checkpointPath as NSString).lastPathComponent, step: checkpoint.step, config: checkpoint.config.json,
            evalSequences: evalBatch.batch, loss: Double(run.loss), uniformLoss: ReproducibleMath.log(Double(config.dVocab - 1)),
            heads: heads, probes: probes, pca: pcas, composition: composition,
            dlaComponents: dla.components, mlp: mlp,
            ablationBaselineLoss: baseline, ablations: ablations, files: output.written.sorted())
        try output.writeJSON(summary, "summary.json")
        return summary
    }

    /// The scalar metrics only (loss, head scores, raw-stream probes), for the over-training table.
    public func metrics() throws(AnalysisError) -> TrainingMetrics {
        let names = Set(streams + (0..<config.nLayers).map { HookName.pattern($0).name })
        let run = model.run(evalBatch, cache: .names(names))
        var heads = [AnalysisSummary.Head.Scores]()
        for l in 0..<config.nLayers {
            let mean = try activation(run.cache, HookName.pattern(l).name).meanOverFirstAxis()
            for h in 0..<config.nHeads {
                let s = AttentionScores(meanPattern: mean[slice: h])
                heads.append(.init(layer: l, head: h, previousToken: s.previousToken, bos: s.bos, currentToken: s.currentToken))
            }
        }
        let probes = try streams.map { stream throws(AnalysisError) in
            try PositionProbes.report(stream: stream, residual: activation(run.cache, stream), normalized: false, settings: settings.probes)
        }
        return TrainingMetrics(step: checkpoint.step, loss: Double(run.loss), heads: heads, probes: probes)
    }

    // MARK: Parts

    var circuits: WeightCircuits {
        WeightCircuits(weights: model.parameters.tensors, nLayers: config.nLayers, nHeads: config.nHeads,
                       dHead: config.dHead, layerNorm: config.hasLayerNorm)
    }

    func activation(_ cache: [String: Tensor], _ name: String) throws(AnalysisError) -> Tensor {
        guard let tensor = cache[name] else { throw .badInput("the forward has no activation '\(name)'") }
        return tensor
    }

    private func attentionAndCircuits(cache: [String: Tensor], output: OutputFolder) throws(AnalysisError) -> [AnalysisSummary.Head] {
        var heads = [AnalysisSummary.Head]()
        let weights = model.parameters.tensors
        for l in 0..<config.nLayers {
            let mean = try activation(cache, HookName.pattern(l).name).meanOverFirstAxis()
            try output.write(.float32(mean), "attention.L\(l).pattern.npy")
            let meanResidual = try activation(cache, HookName.residPre(l).name).meanOverFirstAxis()
            let normalizedResidual = config.hasLayerNorm
                ? WeightCircuits.layerNorm(meanResidual, weight: weights["blocks.\(l).ln1.w"]!, bias: weights["blocks.\(l).ln1.b"]!)
                : meanResidual
            for h in 0..<config.nHeads {
                let pattern = mean[slice: h]
                let prefix = "circuits.L\(l)H\(h)"
                let (queries, keys) = try circuits.qkFactors(layer: l, head: h)
                try output.write(.float32(queries.matmul(keys, transposeOther: true)), "\(prefix).qk_tokens.npy")
                try output.write(.float32(positionalQK(normalizedResidual, layer: l, head: h)), "\(prefix).qk_positions.npy")
                let ov = try circuits.ovTokens(layer: l, head: h)
                try output.write(.float32(ov.matrix), "\(prefix).ov_tokens.npy")
                if config.hasMLP {
                    try output.write(.float32(circuits.ovIntoMLP(layer: l, head: h, mlpLayer: 0)), "\(prefix).ov_mlp0.npy")
                }
                let bosColumn = (0..<config.nCtx).map { pattern[$0, 0] }
                let ovFactors = try circuits.ovTokenFactors(layer: l, head: h)
                heads.append(AnalysisSummary.Head(
                    layer: l, head: h, scores: AttentionScores(meanPattern: pattern),
                    bosFit: try BOSAttentionFit(bosAttention: bosColumn),
                    qkTokenSingularValues: Array(try WeightCircuits.singularValuesOfProduct(left: queries, right: keys).prefix(10)),
                    ovTokenSingularValues: Array(try WeightCircuits.singularValuesOfProduct(left: ovFactors.left, right: ovFactors.right).prefix(10))))
            }
        }
        return heads
    }

    /// Attention scores between the mean residual (after LN1) at each query and key position,
    /// with the Q and K biases: `[n_ctx, n_ctx]`, before the causal mask.
    private func positionalQK(_ residual: Tensor, layer l: Int, head h: Int) throws(AnalysisError) -> Tensor {
        let weights = model.parameters.tensors
        func project(_ kind: String) -> Tensor {
            residual.matmul(weights["blocks.\(l).attn.W_\(kind)"]![slice: h])
                .addingRowVector(weights["blocks.\(l).attn.b_\(kind)"]![slice: h])
        }
        return project("Q").matmul(project("K"), transposeOther: true) * (1 / Float(config.dHead).squareRoot())
    }

    private func principalComponents(stream: String, residual: Tensor, output: OutputFolder) throws(AnalysisError) -> AnalysisSummary.PCA {
        let (batch, n, d) = (residual.shape[0], residual.shape[1], residual.shape[2])
        let points = residual.reshaped([batch * n, d])
        let pca = try PrincipalComponents(points: points, k: settings.pcaComponents)
        try output.write(.float32(pca.components), "pca.\(stream).components.npy")
        try output.write(.float32(pca.project(points, count: 3).reshaped([batch, n, min(3, pca.components.shape[0])])), "pca.\(stream).projection.npy")
        let means = residual.meanOverFirstAxis()
        let meanPCA = try PrincipalComponents(points: means, k: settings.pcaComponents)
        try output.write(.float32(meanPCA.project(means, count: 3)), "pca.\(stream).position_mean.projection.npy")
        return AnalysisSummary.PCA(stream: stream, explainedVarianceRatio: pca.explainedVarianceRatio,
                                   positionMeanExplainedVarianceRatio: meanPCA.explainedVarianceRatio)
    }

    /// Direct logit attribution from the cache; see `DirectLogitAttribution`.
    func logitAttribution(cache: [String: Tensor]) throws(AnalysisError) -> DirectLogitAttribution {
        let weights = model.parameters.tensors
        let (batch, n, d) = (evalBatch.batch, evalBatch.length, config.dModel)
        var writers = [DirectLogitAttribution.Writer(name: "embed", output: try activation(cache, "hook_embed"))]
        if config.positional == .learned {
            let positions = try activation(cache, "hook_pos_embed")
            // hook_pos_embed is [batch, pos, d] or [pos, d]; broadcast the latter over the batch.
            let broadcast = positions.rank == 3 ? positions
                : Tensor(shape: [batch, n, d], generating: { positions.scalars[$0 % (n * d)] })
            writers.append(.init(name: "pos_embed", output: broadcast))
        }
        var biasWrite = Tensor.zeros([d])
        for l in 0..<config.nLayers {
            let result = try activation(cache, "blocks.\(l).attn.hook_result")   // [batch, pos, head, d]
            for h in 0..<config.nHeads {
                writers.append(.init(name: "L\(l)H\(h)", output: Tensor(shape: [batch, n, d], generating: { index in
                    let (row, j) = (index / d, index % d)
                    return result.scalars[(row * config.nHeads + h) * d + j]
                })))
            }
            biasWrite += weights["blocks.\(l).attn.b_O"]!
            if config.hasMLP {
                let bOut = weights["blocks.\(l).mlp.b_out"]!
                writers.append(.init(name: "mlp\(l)", output: try activation(cache, "blocks.\(l).hook_mlp_out").addingRowVector(bOut * -1)))
                biasWrite += bOut
            }
        }
        let ln = config.hasLayerNorm
        let scale = ln ? try activation(cache, "ln_final.hook_scale") : Tensor(shape: [batch * n], repeating: 1)
        let targets = (0..<(batch * n)).map { evalBatch.lossMask[$0] > 0 ? Int(evalBatch.targets[$0]) : -1 }
        return try DirectLogitAttribution(
            writers: writers, biasWrite: biasWrite, finalScale: scale,
            lnWeight: ln ? weights["ln_final.w"]! : Tensor(shape: [d], repeating: 1),
            lnBias: ln ? weights["ln_final.b"]! : Tensor(shape: [d]),
            centre: ln, unembed: weights["unembed.W_U"]!, unembedBias: weights["unembed.b_U"]!, targets: targets)
    }

    private func neurons(cache: [String: Tensor], output: OutputFolder) throws(AnalysisError) -> [AnalysisSummary.MLPLayer] {
        guard config.hasMLP else { return [] }
        return try (0..<config.nLayers).map { l throws(AnalysisError) in
            let post = try activation(cache, "blocks.\(l).mlp.hook_post")   // [batch, pos, d_mlp]
            try output.write(.float32(post.meanOverFirstAxis()), "mlp\(l).activation_by_position.npy")
            let firing = post.map { $0 > 0 ? 1 : 0 }
            let byPosition = firing.meanOverFirstAxis()
            try output.write(.float32(byPosition), "mlp\(l).firing_by_position.npy")
            let perNeuron = byPosition.meanOverFirstAxis()
            return AnalysisSummary.MLPLayer(layer: l, firingRate: firing.mean(),
                                            deadNeurons: perNeuron.scalars.filter { $0 == 0 }.count)
        }
    }

    /// The activations mean-ablated one at a time, in forward order.
    var ablatedActivations: [String] {
        var names = ["hook_embed"]
        for l in 0..<config.nLayers {
            let b = "blocks.\(l)"
            if config.hasLayerNorm { names.append("\(b).ln1.hook_scale") }
            names += ["\(b).attn.hook_q", "\(b).attn.hook_k", "\(b).attn.hook_v", "\(b).attn.hook_pattern", "\(b).hook_attn_out"]
            if config.hasMLP {
                if config.hasLayerNorm { names.append("\(b).ln2.hook_scale") }
                names += ["\(b).mlp.hook_pre", "\(b).hook_mlp_out"]
            }
        }
        if config.hasLayerNorm { names.append("ln_final.hook_scale") }
        return names
    }

    /// Mean ablations. The first `ablationSequences` of the batch are tiled into blocks, one
    /// intact (the baseline), one per ablated activation and one per position of layer 0's
    /// attention output; a few blocks go through each forward, where the hook rewrites only
    /// each block's own rows.
    private func ablate(cache: [String: Tensor], output: OutputFolder) throws(AnalysisError) -> (Double, [AnalysisSummary.Ablation]) {
        let sequences = min(settings.ablationSequences, evalBatch.batch)
        let length = evalBatch.length, d = config.dModel
        let names = ablatedActivations
        // Means over the whole evaluation batch, per position (and per head, neuron, ...).
        var means = [String: Tensor]()
        for name in names + ["blocks.0.hook_attn_out"] { means[name] = try activation(cache, name).meanOverFirstAxis() }
        let blocks = 1 + names.count + length
        let blockOf = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, 1 + $0) })
        let positionBlocks = 1 + names.count
        let rows = sequences * length
        func tiled(_ count: Int) -> TokenBatch {
            TokenBatch(batch: count * sequences, length: length,
                       tokens: Array(repeating: evalBatch.tokens.prefix(rows), count: count).flatMap { $0 },
                       targets: Array(repeating: evalBatch.targets.prefix(rows), count: count).flatMap { $0 },
                       lossMask: Array(repeating: evalBatch.lossMask.prefix(rows), count: count).flatMap { $0 })
        }
        let blocksPerForward = min(blocks, max(1, settings.ablationSequencesPerForward / max(1, sequences)))
        let forwards = (blocks + blocksPerForward - 1) / blocksPerForward
        let threads = ParallelJobs.workers(for: forwards, threads: ComputeThreads.count)
        let runners = (0..<threads).map { _ in ForwardRunner(model: model, capacity: blocksPerForward * sequences, length: length) }
        let hooked = Set(names + ["blocks.0.hook_attn_out"])
        let losses = try ParallelJobs.map(forwards, threads: threads) { index, worker in
            let first = index * blocksPerForward, count = min(blocksPerForward, blocks - first)
            let batch = tiled(count)
            let run = runners[worker].run(batch, cache: .none, hooking: hooked) { hook, activation in
                let perSequence = activation.count / (count * sequences)
                if let block = blockOf[hook], (first..<(first + count)).contains(block), let mean = means[hook] {
                    let start = (block - first) * sequences * perSequence
                    for i in 0..<(sequences * perSequence) { activation.scalars[start + i] = mean.scalars[i % mean.count] }
                }
                if hook == "blocks.0.hook_attn_out", let mean = means[hook] {
                    for position in 0..<length where (first..<(first + count)).contains(positionBlocks + position) {
                        for s in 0..<sequences {
                            let row = ((positionBlocks + position - first) * sequences + s) * length + position
                            for j in 0..<d { activation.scalars[row * d + j] = mean.scalars[position * d + j] }
                        }
                    }
                }
            }
            // Mean loss of each block over its masked-in positions.
            return (0..<count).map { block -> Double in
                var total = 0.0, weight = 0.0
                for i in (block * rows)..<((block + 1) * rows) where batch.lossMask[i] > 0 {
                    total += Double(run.lossPerPosition.scalars[i]) * Double(batch.lossMask[i])
                    weight += Double(batch.lossMask[i])
                }
                return weight > 0 ? total / weight : 0
            }
        }.flatMap { $0 }
        try output.write(.float32(Tensor(shape: [length], scalars: losses[positionBlocks...].map(Float.init))),
                         "ablation.attn0_by_position.npy")
        return (losses[0], names.enumerated().map { .init(activation: $1, loss: losses[1 + $0]) })
    }
}
