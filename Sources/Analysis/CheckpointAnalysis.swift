import Foundation
import Reproducible
import Tensor
import Transformer

/// Everything the study's figures need from one checkpoint, computed on a fixed evaluation
/// batch and written as the arrays of `AnalysisFolder` plus `summary.json` (`AnalysisSummary`,
/// with the metrics derived once for every reader: head scores and roles, the OV copying share,
/// composition maxima).
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
        try Self.requireMemory(model, sequences: settings.tokensFile == nil ? settings.evalSequences : 0)
        if let file = settings.tokensFile {
            evalBatch = try TokenFile.batch(tokens: file.tokens, targets: file.targets, model: model)
            try Self.requireMemory(model, sequences: evalBatch.batch)
        } else {
            var generator = RandomGenerator(seed: settings.evalSeed)
            evalBatch = checkpoint.config.task.task.makeBatch(
                batch: settings.evalSequences, length: model.nCtx, vocabulary: model.dVocab, generator: &generator)
        }
    }

    /// The evaluation forward runs in chunks of 64 sequences, but keeps the residual streams and
    /// other activations of every sequence: about one forward's floats per row, less the logits.
    static func requireMemory(_ model: ModelConfig, sequences: Int) throws(AnalysisError) {
        let kept = Double(sequences) * Double(model.nCtx) * (MemoryBudget.forwardFloatsPerRow(model) - Double(model.dVocab)) * 4
        let bytes = MemoryBudget.parameterBytes(model) + MemoryBudget.workspaceBytes(model, sequences: min(64, max(sequences, 1)), gradients: false) + kept
        do {
            try MemoryBudget.require(bytes, for: "the analysis (\(sequences) sequences × n_ctx \(model.nCtx), d_model \(model.dModel))",
                                     advice: "lower --sequences")
        } catch { throw .badInput("\(error)") }
    }

    var config: ModelConfig { checkpoint.config.model }
    var model: Model { checkpoint.model }

    /// The residual streams probed and decomposed, in forward order.
    var streams: [HookName] { HookName.residualStreams(config) }

    /// The model's weights, lookups naming this checkpoint's file when one is missing.
    var weights: CheckpointWeights { CheckpointWeights(model, path: checkpointPath) }

    /// The activations `write` reads whole from the evaluation forward, row by row.
    var keptActivations: Set<HookName> {
        var names = Set(streams + [.embed])
        if config.positional == .learned { names.insert(.posEmbed) }
        if config.hasLayerNorm { names.insert(.finalScale) }
        for l in 0..<config.nLayers {
            names.insert(.attention(l, .z))
            if config.hasMLP { names.insert(.mlpOut(l)) }
        }
        return names
    }

    /// The activations `write` needs only the mean of: the ablated ones, the patterns, the
    /// residual entering each layer and the MLP activations.
    var averagedActivations: Set<HookName> {
        var names = Set(ablatedActivations + [.attnOut(0)])
        for l in 0..<config.nLayers {
            names.formUnion([.residPre(l), .pattern(l)])
            if config.hasMLP { names.insert(.mlp(l, .post)) }
        }
        return names
    }

    // MARK: Everything

    /// Computes every quantity and writes the arrays and `summary.json` into `folder`.
    @discardableResult
    public func write(to folder: String) throws(AnalysisError) -> AnalysisSummary {
        let output = try OutputFolder(folder)
        let ablations = MeanAblations(config: config, activations: ablatedActivations,
                                      sequences: min(settings.ablationSequences, evalBatch.batch),
                                      sequencesPerForward: settings.ablationSequencesPerForward)
        // One set of buffers per thread, for the evaluation forward's chunks and the ablations.
        let runners = (0..<ParallelJobs.workers(for: ablations.forwards.count, threads: ComputeThreads.count)).map { _ in
            ForwardRunner(model: model, capacity: ablations.capacity, length: evalBatch.length)
        }
        let neuronActivations = config.hasMLP ? Set((0..<config.nLayers).map { HookName.mlp($0, .post) }) : []
        let run = EvaluationForward(runner: runners[0], batch: evalBatch, kept: keptActivations,
                                    averaged: averagedActivations, counted: neuronActivations)
        try output.write(.int64(shape: [evalBatch.batch, evalBatch.length], values: evalBatch.tokens.map(Int64.init)), .tokens)
        try output.write(.float32(lossByPosition(run.lossPerPosition)), .lossByPosition)

        let heads = try attentionAndCircuits(means: run.means, output: output)
        let residuals = try streams.map { stream throws(AnalysisError) in try activation(run.activations, stream) }
        let pcas = try principalComponents(residuals, output: output)
        let probeJobs = zip(streams, residuals).flatMap { [($0.name, $1, false), ($0.name, $1, true)] }
        let probes = try PositionProbes.reports(probeJobs, settings: settings.probes, threads: ComputeThreads.count)
        let composition = try circuits.compositionScores()
        let dla = try logitAttribution(cache: run.activations)
        try output.write(.float32(dla.meanByPosition), .dla)
        let lens = try logitLens(residuals, cache: run.activations)
        try output.write(.float32(lens.loss), .logitLensLoss)
        try output.write(.float32(lens.accuracy), .logitLensAccuracy)
        let mlp = try neurons(run, output: output)
        let losses = try ablations.losses(of: evalBatch, means: run.means, streams: run.activations, runners: runners)
        let positionLosses = zip(ablations.blocks, losses).compactMap { block, loss -> Float? in
            if case .position = block { return Float(loss) }
            return nil
        }
        try output.write(.float32(Tensor(shape: [positionLosses.count], scalars: positionLosses)), .attentionAblationByPosition)

        let summary = AnalysisSummary(
            checkpoint: (checkpointPath as NSString).lastPathComponent, step: checkpoint.step, config: checkpoint.config.json,
            evalSequences: evalBatch.batch, loss: Double(run.loss), uniformLoss: ReproducibleMath.log(Double(config.dVocab - 1)),
            heads: heads, probes: probes, pca: pcas, composition: composition, compositionMaxima: CompositionEntry.maxima(composition),
            dlaComponents: dla.components, mlp: mlp,
            ablationBaselineLoss: losses[0],
            ablations: zip(ablations.blocks, losses).compactMap { block, loss in
                if case .activation(let hook) = block { return .init(activation: hook.name, loss: loss) }
                return nil
            },
            files: output.written.sorted())
        try output.writeJSON(summary, AnalysisFolder.summaryFile)
        return summary
    }

    /// The scalar metrics only (loss, head scores, raw-stream probes), for the over-training table.
    public func metrics() throws(AnalysisError) -> TrainingMetrics {
        let names = Set(streams + (0..<config.nLayers).map { HookName.pattern($0) })
        let run = model.run(evalBatch, cache: .hooks(names))
        var heads = [AnalysisSummary.Head.Scores]()
        for l in 0..<config.nLayers {
            let mean = try activation(run.cache, .pattern(l)).meanOverFirstAxis()
            for h in 0..<config.nHeads {
                let s = AttentionScores(meanPattern: mean[slice: h])
                heads.append(.init(layer: l, head: h, previousToken: s.previousToken, bos: s.bos, currentToken: s.currentToken))
            }
        }
        let probes = try streams.map { stream throws(AnalysisError) in
            try PositionProbes.report(stream: stream.name, residual: activation(run.cache, stream), normalized: false, settings: settings.probes)
        }
        return TrainingMetrics(step: checkpoint.step, loss: Double(run.loss), heads: heads, probes: probes)
    }

    // MARK: Parts

    var circuits: WeightCircuits {
        WeightCircuits(weights: weights, nLayers: config.nLayers, nHeads: config.nHeads,
                       dHead: config.dHead, layerNorm: config.hasLayerNorm)
    }

    func activation(_ cache: [HookName: Tensor], _ name: HookName) throws(AnalysisError) -> Tensor {
        guard let tensor = cache[name] else { throw .badInput("the forward has no activation '\(name)'") }
        return tensor
    }

    /// Mean patterns, head scores and each head's circuits, from the patterns' and residual
    /// streams' means. The heads are computed in parallel (each on one thread, so the bits do
    /// not depend on the thread count) and written in order.
    private func attentionAndCircuits(means: [HookName: Tensor], output: OutputFolder) throws(AnalysisError) -> [AnalysisSummary.Head] {
        let weights = self.weights, circuits = self.circuits
        var patterns = [Tensor](), normalizedResiduals = [Tensor]()
        for l in 0..<config.nLayers {
            patterns.append(try activation(means, .pattern(l)))
            let meanResidual = try activation(means, .residPre(l))
            normalizedResiduals.append(config.hasLayerNorm
                ? WeightCircuits.layerNorm(meanResidual, weight: try weights(l, .ln1W), bias: try weights(l, .ln1B))
                : meanResidual)
        }
        /// Attention scores between the mean residual (after LN1) at each query and key
        /// position, with the Q and K biases: `[n_ctx, n_ctx]`, before the causal mask.
        func positionalQK(layer l: Int, head h: Int) throws(AnalysisError) -> Tensor {
            func project(_ weight: WeightName.Block, _ bias: WeightName.Block) throws(AnalysisError) -> Tensor {
                normalizedResiduals[l].matmul(try weights(l, weight)[slice: h]).addingRowVector(try weights(l, bias)[slice: h])
            }
            return try project(.wQ, .bQ).matmul(project(.wK, .bK), transposeOther: true) * (1 / Float(config.dHead).squareRoot())
        }
        let perHead = try ParallelJobs.map(config.nLayers * config.nHeads, threads: ComputeThreads.count) { job, _ throws(AnalysisError) in
            let (l, h) = job.quotientAndRemainder(dividingBy: config.nHeads)
            let pattern = patterns[l][slice: h]
            let (queries, keys) = try circuits.qkFactors(layer: l, head: h)
            let ovFactors = try circuits.ovTokenFactors(layer: l, head: h)
            let id = HeadID(layer: l, head: h), ov = try circuits.ovTokens(layer: l, head: h).matrix
            let arrays: [(AnalysisFolder.Array, Tensor)] = [
                (.qkTokens(id), queries.matmul(keys, transposeOther: true)),
                (.qkPositions(id), try positionalQK(layer: l, head: h)),
                (.ovTokens(id), ov),
            ] + (config.hasMLP ? [(.ovMLP0(id), try circuits.ovIntoMLP(layer: l, head: h, mlpLayer: 0))] : [])
            let scores = AttentionScores(meanPattern: pattern)
            let kBack = KBackScore(meanPattern: pattern, k: KBackScore.offset(task: checkpoint.config.task, nCtx: config.nCtx))
            let head = AnalysisSummary.Head(
                layer: l, head: h, scores: scores,
                bosFit: try BOSAttentionFit(bosAttention: (0..<config.nCtx).map { pattern[$0, 0] }),
                qkTokenSingularValues: Array(try WeightCircuits.singularValuesOfProduct(left: queries, right: keys).prefix(10)),
                ovTokenSingularValues: Array(try WeightCircuits.singularValuesOfProduct(left: ovFactors.left, right: ovFactors.right).prefix(10)),
                copying: WeightCircuits.copyingShare(ovTokens: ov), kBack: kBack, role: HeadRole(scores: scores, kBack: kBack))
            return (arrays: arrays, head: head)
        }
        for (l, pattern) in patterns.enumerated() { try output.write(.float32(pattern), .pattern(layer: l)) }
        for (arrays, _) in perHead {
            for (name, array) in arrays { try output.write(.float32(array), name) }
        }
        return perHead.map(\.head)
    }

    /// Mean loss at each position over the evaluation batch's targets; NaN where there are none.
    func lossByPosition(_ lossPerPosition: Tensor) -> Tensor {
        let (batch, n) = (evalBatch.batch, evalBatch.length)
        var total = [Double](repeating: 0, count: n), count = [Double](repeating: 0, count: n)
        for b in 0..<batch {
            for p in 0..<n where evalBatch.lossMask[b * n + p] > 0 {
                total[p] += Double(lossPerPosition.scalars[b * n + p])
                count[p] += 1
            }
        }
        return Tensor(shape: [n], scalars: (0..<n).map { count[$0] > 0 ? Float(total[$0] / count[$0]) : .nan })
    }

    /// PCA of every residual stream's vectors and of its per-position means, the streams fitted
    /// in parallel (each on one thread, so the bits do not depend on the thread count) and
    /// written in order.
    private func principalComponents(_ residuals: [Tensor], output: OutputFolder) throws(AnalysisError) -> [AnalysisSummary.PCA] {
        let fits = try ParallelJobs.map(residuals.count, threads: ComputeThreads.count) { i, _ throws(AnalysisError) in
            let residual = residuals[i]
            let (batch, n, d) = (residual.shape[0], residual.shape[1], residual.shape[2])
            let points = residual.reshaped([batch * n, d])
            let pca = try PrincipalComponents(points: points, k: settings.pcaComponents)
            let means = residual.meanOverFirstAxis()
            let meanPCA = try PrincipalComponents(points: means, k: settings.pcaComponents)
            return (pca: pca, projection: pca.project(points, count: 3).reshaped([batch, n, min(3, pca.components.shape[0])]),
                    meanPCA: meanPCA, meanProjection: meanPCA.project(means, count: 3))
        }
        return try zip(streams, fits).map { stream, fit throws(AnalysisError) in
            try output.write(.float32(fit.pca.components), .pcaComponents(stream))
            try output.write(.float32(fit.projection), .pcaProjection(stream))
            try output.write(.float32(fit.meanProjection), .pcaPositionMeanProjection(stream))
            return AnalysisSummary.PCA(stream: stream.name, explainedVarianceRatio: fit.pca.explainedVarianceRatio,
                                       positionMeanExplainedVarianceRatio: fit.meanPCA.explainedVarianceRatio)
        }
    }

    /// Direct logit attribution from the cache; see `DirectLogitAttribution`.
    func logitAttribution(cache: [HookName: Tensor]) throws(AnalysisError) -> DirectLogitAttribution {
        let weights = self.weights
        let (batch, n, d) = (evalBatch.batch, evalBatch.length, config.dModel)
        var writers = [DirectLogitAttribution.Writer(name: "embed", output: try activation(cache, .embed))]
        if config.positional == .learned {
            let positions = try activation(cache, .posEmbed)
            // hook_pos_embed is [batch, pos, d] or [pos, d]; the latter repeats for every sequence.
            writers.append(positions.rank == 3 ? .init(name: "pos_embed", output: positions)
                           : .init(name: "pos_embed", output: positions, rows: batch * n, first: 0, stride: d, period: n))
        }
        var biasWrite = Tensor.zeros([d])
        for l in 0..<config.nLayers {
            // Head h writes z_h W_O[h]; hook_z is [batch, pos, head, d_head].
            let z = try activation(cache, .attention(l, .z)), wO = try weights(l, .wO)
            for h in 0..<config.nHeads {
                writers.append(.init(name: "L\(l)H\(h)", inputs: z, rows: batch * n, first: h * config.dHead,
                                     stride: config.nHeads * config.dHead, times: wO[slice: h]))
            }
            biasWrite += try weights(l, .bO)
            if config.hasMLP {
                let bOut = try weights(l, .bOut)
                writers.append(.init(name: "mlp\(l)", output: try activation(cache, .mlpOut(l)).addingRowVector(bOut * -1)))
                biasWrite += bOut
            }
        }
        let ln = config.hasLayerNorm
        let scale = ln ? try activation(cache, .finalScale) : Tensor(shape: [batch * n], repeating: 1)
        let targets = (0..<(batch * n)).map { evalBatch.lossMask[$0] > 0 ? Int(evalBatch.targets[$0]) : -1 }
        return try DirectLogitAttribution(
            writers: writers, batch: batch, length: n, biasWrite: biasWrite, finalScale: scale,
            lnWeight: ln ? try weights(.lnFinalW) : Tensor(shape: [d], repeating: 1),
            lnBias: ln ? try weights(.lnFinalB) : Tensor(shape: [d]),
            centre: ln, unembed: try weights(.unembed), unembedBias: try weights(.unembedBias), targets: targets)
    }

    /// The logit lens on every residual stream (`streams` order), scored against the targets.
    func logitLens(_ residuals: [Tensor], cache: [HookName: Tensor]) throws(AnalysisError) -> LogitLens {
        let targets = (0..<(evalBatch.batch * evalBatch.length)).map { evalBatch.lossMask[$0] > 0 ? Int(evalBatch.targets[$0]) : -1 }
        let scale: Tensor? = if config.hasLayerNorm { try activation(cache, .finalScale) } else { nil }
        return try LogitLens(streams: residuals, finalScale: scale, weights: weights, targets: targets)
    }

    private func neurons(_ run: EvaluationForward, output: OutputFolder) throws(AnalysisError) -> [AnalysisSummary.MLPLayer] {
        guard config.hasMLP else { return [] }
        return try (0..<config.nLayers).map { l throws(AnalysisError) in
            let name = HookName.mlp(l, .post)   // [batch, pos, d_mlp]
            try output.write(.float32(activation(run.means, name)), .mlpActivation(layer: l))
            guard let firing = run.firing[name] else { throw .badInput("the forward has no activation '\(name)'") }
            try output.write(.float32(firing.fraction), .mlpFiring(layer: l))
            let perNeuron = firing.fraction.meanOverFirstAxis()
            return AnalysisSummary.MLPLayer(layer: l, firingRate: firing.overall,
                                            deadNeurons: perNeuron.scalars.filter { $0 == 0 }.count)
        }
    }

    /// The activations mean-ablated one at a time, in forward order.
    var ablatedActivations: [HookName] {
        var names: [HookName] = [.embed]
        for l in 0..<config.nLayers {
            if config.hasLayerNorm { names.append(.layerNorm(.ln1(l), .scale)) }
            names += [.attention(l, .q), .attention(l, .k), .attention(l, .v), .attention(l, .pattern), .attnOut(l)]
            if config.hasMLP {
                if config.hasLayerNorm { names.append(.layerNorm(.ln2(l), .scale)) }
                names += [.mlp(l, .pre), .mlpOut(l)]
            }
        }
        if config.hasLayerNorm { names.append(.finalScale) }
        return names
    }
}
