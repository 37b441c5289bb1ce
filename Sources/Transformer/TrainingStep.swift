import Tensor

/// One optimiser step, with every buffer it needs made once: the workspaces, the gradients and
/// the batch. The trainer and the benchmark both drive it.
///
/// The batch is split into contiguous shards whose number depends only on the config: each
/// shard's buffers are kept to about `shardBytes` so that its activations stay in the cache
/// between one product and the next, and the count is rounded up to a multiple of
/// `shardMultiple` so that 1, 2, 3 or 6 threads share them evenly. Threads take whole shards,
/// run forward and backward on each into its own gradient buffer, and the buffers are added in
/// shard order. Threads meet once per step, and choose only who computes a shard, never how a
/// sum is split: the step's bytes are the same at any thread count.
final class TrainingStep {
    /// A share of a typical L3 cache. A constant, not the machine's cache size, so that
    /// checkpoints do not depend on the CPU.
    static let defaultShardBytes = 16 << 20
    static let shardMultiple = 6

    let config: TrainingConfig
    let layout: ParameterLayout
    let task: any Task
    /// One workspace per shard: `(first sequence, workspace)`.
    let shards: [(first: Int, workspace: Workspace)]
    /// Threads running the shards; thread `t` runs a contiguous range of them.
    let workers: Int
    var parameters: Parameters
    var optimizer: AdamW
    var generator: RandomGenerator
    var gradient: [Float]
    /// Per-shard gradients beyond the first (which is `gradient` itself), `totalCount` each.
    let shardGradients: [UnsafeMutablePointer<Float>]
    var shardLosses: [Float]
    var batch: TokenBatch

    init(config: TrainingConfig, parameters: Parameters, optimizer: AdamW, generator: RandomGenerator,
         threads: Int = Parallel.threads, shardBytes: Int = defaultShardBytes) {
        self.config = config
        layout = parameters.layout
        task = config.task.task
        let length = config.model.nCtx
        let count = Self.shardCount(config: config, shardBytes: shardBytes)
        workers = max(1, min(threads, count))
        // The shards share one copy of the packed attention weights, packed once per step.
        var shards: [(first: Int, workspace: Workspace)] = []
        for s in 0..<count {
            let first = config.batch * s / count, end = config.batch * (s + 1) / count
            shards.append((first, Workspace(config: config.model, batch: end - first, length: length, parts: 1,
                                            sharingPackedWeightsOf: shards.first?.workspace)))
        }
        shards[0].workspace.packsWeights = false
        self.shards = shards
        self.parameters = parameters; self.optimizer = optimizer; self.generator = generator
        gradient = [Float](repeating: 0, count: layout.totalCount)
        let total = layout.totalCount
        shardGradients = (1..<count).map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: total)
            p.initialize(repeating: 0, count: total)
            return p
        }
        shardLosses = [Float](repeating: 0, count: count)
        batch = TokenBatch(tokens: [Int32](repeating: 0, count: config.batch * length), batch: config.batch, length: length)
    }

    /// Shards of the batch: enough to keep each near `shardBytes`, a multiple of `shardMultiple`,
    /// at most one sequence each. A function of the config alone.
    static func shardCount(config: TrainingConfig, shardBytes: Int = defaultShardBytes) -> Int {
        let sequenceBytes = Workspace(config: config.model, batch: 1, length: config.model.nCtx, parts: 1).floatCount
            * MemoryLayout<Float>.size
        let bySize = max(1, (config.batch * sequenceBytes + shardBytes - 1) / max(1, shardBytes))
        let rounded = (bySize + shardMultiple - 1) / shardMultiple * shardMultiple
        return max(1, min(config.batch, rounded))
    }

    /// Draws a batch, computes loss and gradient, clips, and updates with `lr`. Returns the loss
    /// and the gradient norm before clipping; with a non-finite loss nothing is updated.
    func run(lr: Float) -> (loss: Float, gradNorm: Float) {
        task.fill(&batch, vocabulary: config.model.dVocab, generator: &generator)
        let loss = shardedLossAndGradient(maskTotal: Loss.maskTotal(batch.lossMask))
        guard loss.isFinite else { return (loss, .nan) }
        let norm = GradientClipping.clip(&gradient, ranges: optimizer.trainable, maxNorm: config.gradClip)
        optimizer.update(&parameters.storage, gradient: gradient, lr: lr)
        return (loss, norm)
    }

    private func lossAndGradient(_ ws: Workspace, _ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>,
                                 maskTotal: Float) -> Float {
        let w = ModelWeights(base: p, layout: layout, config: config.model)
        let gw = ModelWeights(base: g, layout: layout, config: config.model)
        Propagation.forward(w, ws, observer: nil)
        let loss = Loss.crossEntropyGradient(ws, maskTotal: maskTotal)
        guard loss.isFinite else { return loss }
        Propagation.backward(w, gw, ws)
        return loss
    }

    private func shardedLossAndGradient(maskTotal: Float) -> Float {
        for (first, ws) in shards { ws.load(batch, first: first) }
        let productThreads = Gemm.threadCount
        Gemm.threadCount = 1
        defer { Gemm.threadCount = productThreads }
        let count = shards.count, total = layout.totalCount
        let rest = shardGradients
        parameters.storage.withUnsafeMutableBufferPointer { p in
            let weights = ModelWeights(base: p.baseAddress!, layout: layout, config: config.model)
            for (l, buffers) in shards[0].workspace.layers.enumerated() {
                Attention.pack(weights.layers[l], into: buffers.packedQKV, bias: buffers.packedQKVBias, config.model)
            }
            gradient.withUnsafeMutableBufferPointer { g0 in
                let sum = g0.baseAddress!
                shardLosses.withUnsafeMutableBufferPointer { losses in
                    let workers = self.workers
                    Parallel.forEach(workers) { w in
                        for s in (count * w / workers)..<(count * (w + 1) / workers) {
                            losses[s] = lossAndGradient(shards[s].workspace, p.baseAddress!, s == 0 ? sum : rest[s - 1],
                                                        maskTotal: maskTotal)
                        }
                    }
                }
                // Add the shards' gradients in shard order (each thread a range of parameters).
                Parallel.forRanges(total, parts: workers) { range in
                    for part in rest {
                        for i in range { sum[i] += part[i] }
                    }
                }
            }
        }
        var loss: Float = 0
        for s in 0..<count { loss += shardLosses[s] }
        return loss
    }

    deinit {
        for p in shardGradients { p.deallocate() }
    }
}
