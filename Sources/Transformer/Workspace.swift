/// Every activation and gradient buffer of one forward and backward pass, allocated once for a
/// batch shape and reused every step (llm.c style: one buffer per activation, no allocation in
/// the step).
///
/// Layouts are those of TransformerLens's hooks, so the activation cache is a copy of a buffer:
/// residual streams `[batch, pos, d_model]`, q/k/v `[batch, pos, head, d_head]` (interleaved in
/// one `[rows, 3 * n_heads * d_head]` buffer), patterns `[batch, head, query, key]`.
final class Workspace {
    /// The buffers of one LayerNorm: per-row mean and scale, the normalised input (before the
    /// affine map, for the backward) and the output.
    struct Norm {
        var mean: UnsafeMutablePointer<Float>
        var scale: UnsafeMutablePointer<Float>
        var normalized: UnsafeMutablePointer<Float>
        var out: UnsafeMutablePointer<Float>
    }

    struct Layer {
        var ln1: Norm
        var qkv: UnsafeMutablePointer<Float>
        var pattern: UnsafeMutablePointer<Float>
        var z: UnsafeMutablePointer<Float>
        var attnOut: UnsafeMutablePointer<Float>
        var ln2: Norm?
        var mlpPre: UnsafeMutablePointer<Float>?
        var mlpPost: UnsafeMutablePointer<Float>?
        var mlpOut: UnsafeMutablePointer<Float>?
        /// W_Q, W_K, W_V packed as one `[d_model, 3 * n_heads * d_head]` matrix and their biases,
        /// so q, k and v are one product.
        var packedQKV: UnsafeMutablePointer<Float>
        var packedQKVBias: UnsafeMutablePointer<Float>
    }

    let config: ModelConfig
    /// Sequences the buffers hold.
    let capacity: Int
    /// Sequences of the current batch: `capacity`, or fewer for the last of several forwards
    /// through one workspace (`ForwardRunner`).
    private(set) var batch: Int
    let length: Int
    var rows: Int { batch * length }
    /// Worker slots for scratch buffers (the thread count when it was built).
    let parts: Int
    /// Whether the backward buffers exist; an inference workspace (`Model.run`) has none, which
    /// halves the memory a large analysis forward touches.
    let hasGradients: Bool

    let tokens: UnsafeMutablePointer<Int32>
    let targets: UnsafeMutablePointer<Int32>
    let lossMask: UnsafeMutablePointer<Float>
    /// `resid[2l]` is layer l's resid_pre, `resid[2l+1]` its resid_mid, `resid[2l+2]` its resid_post.
    let resid: [UnsafeMutablePointer<Float>]
    let layers: [Layer]
    let lnFinal: Norm
    /// Logits `[rows, d_vocab]`; the training loss turns them into their gradient in place.
    let logits: UnsafeMutablePointer<Float>
    /// Cross-entropy at each position (0 where the mask is 0).
    let rowLoss: UnsafeMutablePointer<Float>

    // Backward buffers (one float each without `hasGradients`).
    let dResid: UnsafeMutablePointer<Float>
    let dNormOut: UnsafeMutablePointer<Float>
    let dQKV: UnsafeMutablePointer<Float>
    let dZ: UnsafeMutablePointer<Float>
    let dHidden: UnsafeMutablePointer<Float>?
    let dPackedQKV: UnsafeMutablePointer<Float>
    /// Per-worker scratch (`scratchStride` floats each): the pattern's gradient, LayerNorm rows.
    let dPatternScratch: UnsafeMutablePointer<Float>
    let scratchStride: Int
    /// Per-chunk partial sums for column reductions.
    let reductionScratch: UnsafeMutablePointer<Float>

    /// Whether the attention forward packs W_Q, W_K and W_V itself. The training step packs
    /// them once per step instead, into buffers its shards share (`sharingPackedWeightsOf`).
    var packsWeights = true

    private var allocations: [(UnsafeMutablePointer<Float>, Int)] = []
    private var intAllocations: [UnsafeMutablePointer<Int32>] = []

    init(config c: ModelConfig, batch: Int, length: Int, parts: Int = Parallel.threads, gradients: Bool = true,
         sharingPackedWeightsOf source: Workspace? = nil) {
        precondition(length >= 1 && length <= c.nCtx, "sequence length \(length) must be in 1...\(c.nCtx)")
        self.config = c; self.capacity = batch; self.batch = batch; self.length = length; self.parts = max(1, parts)
        hasGradients = gradients
        let n = batch * length, d = c.dModel, a = c.attentionWidth
        var allocations: [(UnsafeMutablePointer<Float>, Int)] = []
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            allocations.append((p, count))
            return p
        }
        func norm(input: UnsafeMutablePointer<Float>) -> Norm {
            c.hasLayerNorm ? Norm(mean: buffer(n), scale: buffer(n), normalized: buffer(n * d), out: buffer(n * d))
                           : Norm(mean: buffer(0), scale: buffer(0), normalized: input, out: input)
        }
        tokens = .allocate(capacity: n); tokens.initialize(repeating: 0, count: n)
        targets = .allocate(capacity: n); targets.initialize(repeating: 0, count: n)
        lossMask = buffer(n)
        let resid = (0...(2 * c.nLayers)).map { _ in buffer(n * d) }
        self.resid = resid
        layers = (0..<c.nLayers).map { l in
            Layer(ln1: norm(input: resid[2 * l]), qkv: buffer(n * 3 * a),
                  pattern: buffer(batch * c.nHeads * length * length), z: buffer(n * a), attnOut: buffer(n * d),
                  ln2: c.hasMLP ? norm(input: resid[2 * l + 1]) : nil,
                  mlpPre: c.dMLP.map { buffer(n * $0) }, mlpPost: c.dMLP.map { buffer(n * $0) },
                  mlpOut: c.hasMLP ? buffer(n * d) : nil,
                  packedQKV: source?.layers[l].packedQKV ?? buffer(d * 3 * a),
                  packedQKVBias: source?.layers[l].packedQKVBias ?? buffer(3 * a))
        }
        lnFinal = norm(input: resid[2 * c.nLayers])
        logits = buffer(n * c.dVocab)
        rowLoss = buffer(n)
        let g = gradients ? 1 : 0
        dResid = buffer(g * n * d)
        dNormOut = buffer(g * n * d)
        dQKV = buffer(g * n * 3 * a)
        dZ = buffer(g * n * a)
        dHidden = c.dMLP.map { buffer(g * n * $0) }
        dPackedQKV = buffer(g * d * 3 * a)
        scratchStride = max(length * length, d)
        dPatternScratch = buffer(g * self.parts * scratchStride)
        reductionScratch = buffer(Parallel.reductionChunks * max(c.dVocab, 3 * a, c.dMLP ?? 0, 2 * d))
        self.allocations = allocations
        intAllocations = [tokens, targets]
        if let source { packsWeights = false; self.source = source }
    }

    /// The workspace whose packed weights this one reads, kept alive as long as this one.
    private var source: Workspace?

    /// Floats in all the buffers.
    var floatCount: Int { allocations.reduce(0) { $0 + $1.1 } }

    deinit {
        for (p, count) in allocations { p.deinitialize(count: max(count, 1)); p.deallocate() }
        for p in intAllocations { p.deallocate() }
    }

    /// Makes `batch` (at most `capacity` sequences of `length`) the current batch.
    func loadWhole(_ batch: TokenBatch) {
        precondition(batch.length == length && batch.batch <= capacity,
                     "batch \(batch.batch) x \(batch.length) does not fit a workspace of \(capacity) x \(length)")
        self.batch = batch.batch
        load(batch)
    }

    /// Copies a batch's tokens, targets and mask into the workspace, starting at sequence
    /// `first` (a shard of a larger batch).
    func load(_ batch: TokenBatch, first: Int = 0) {
        precondition(batch.length == length && first + self.batch <= batch.batch,
                     "batch \(batch.batch) x \(batch.length) does not fit a workspace of \(self.batch) x \(length) at \(first)")
        let offset = first * length
        for i in 0..<rows {
            tokens[i] = batch.tokens[offset + i]; targets[i] = batch.targets[offset + i]
            lossMask[i] = batch.lossMask[offset + i]
        }
    }
}
