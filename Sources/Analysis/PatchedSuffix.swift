import Reproducible
import Tensor
import Transformer

/// The forward of one patch on only the rows it can change: from the patched layer on, the
/// positions from the patch to each sequence's answer, with the corrupted run's keys and values
/// for the positions before (the model is causal, so those rows are the corrupted run's); in the
/// last layer only the answer rows go past attention; and of the unembedding only the two
/// logits the metric reads.
///
/// `ForwardRunner` recomputes every row of every layer for every patch, about five times this
/// work on the study's sweeps (a patch at position q of an answer at p needs p − q + 1 rows, not
/// p + 1; a patch in the last layer needs one row past its keys and values). The arithmetic is
/// TransformerLens's (and the runner's) in fixed-order loops and `Gemm` products, each job on
/// one thread, so the results are the same at any thread count; they agree with the runner to
/// float32 rounding (ActivationPatchingTests compares the two and TransformerLens).
struct PatchedSuffix {
    let config: ModelConfig
    let weights: PackedWeights
    /// The clean run's activations at the patched hooks, `[batch, pos, …]`.
    let clean: [HookName: Tensor]
    /// The corrupted run's `hook_resid_pre`, `hook_k` and `hook_v` of every layer.
    let corrupted: [HookName: Tensor]
    let inputs: PatchingInputs
    /// Positions of the forwards (the last answer + 1).
    let length: Int

    /// One row of a job: the sequence, its position, and where its answer sits in the rows.
    struct Row { var sequence: Int; var position: Int }

    /// `logit[correct] − logit[wrong]` at each sequence's answer, with `patch` applied.
    func differences(_ patch: Patch, sequences: [Int]) -> [Float] {
        let first = patch.position ?? 0
        var rows = [Row]()
        for s in sequences { for t in first...inputs.answers[s].position { rows.append(Row(sequence: s, position: t)) } }
        var x = gather(.residPre(patch.layer), rows: rows)
        for l in patch.layer..<config.nLayers {
            let last = l == config.nLayers - 1
            if patch.hook == .residPre(l) { apply(patch, to: &x, rows: rows) }
            let (next, kept) = layer(l, x, rows: rows, patch: patch, answersOnly: last)
            x = next
            if last { rows = kept }
        }
        return unembedDifferences(x, rows: rows)
    }

    /// One block on `rows`; with `answersOnly`, returns only the answer rows (and them as the rows).
    private func layer(_ l: Int, _ x: [Float], rows: [Row], patch: Patch, answersOnly: Bool) -> ([Float], [Row]) {
        let c = config, d = c.dModel, a = c.attentionWidth, n = rows.count, w = weights.layers[l]
        let normalized = layerNorm(x, count: n, w: w.ln1w, b: w.ln1b)
        var qkv = [Float](repeating: 0, count: n * 3 * a)
        product(normalized, m: n, k: d, w.qkv, n: 3 * a, bias: w.qkvBias, into: &qkv)
        let outRows = answersOnly ? rows.indices.filter { rows[$0].position == inputs.answers[rows[$0].sequence].position } : Array(rows.indices)
        var z = attention(l, qkv: qkv, rows: rows, queries: outRows, patch: patch)
        if patch.hook == .attention(l, .z) { apply(patch, to: &z, rows: outRows.map { rows[$0] }, width: a) }
        let m = outRows.count, kept = outRows.map { rows[$0] }
        var out = [Float](repeating: 0, count: m * d)
        product(z, m: m, k: a, w.wo, n: d, bias: w.bo, into: &out)
        if patch.hook == .attnOut(l) { apply(patch, to: &out, rows: kept) }
        var mid = [Float](repeating: 0, count: m * d)
        Self.add(x, rows: outRows, out, width: d, into: &mid)
        guard let width = c.dMLP, let win = w.win, let wout = w.wout else { return (mid, kept) }
        let mlpIn = layerNorm(mid, count: m, w: w.ln2w, b: w.ln2b)
        var hidden = [Float](repeating: 0, count: m * width)
        product(mlpIn, m: m, k: d, win, n: width, bias: w.bin, into: &hidden)
        activate(&hidden)
        var mlpOut = [Float](repeating: 0, count: m * d)
        product(hidden, m: m, k: width, wout, n: d, bias: w.bout, into: &mlpOut)
        if patch.hook == .mlpOut(l) { apply(patch, to: &mlpOut, rows: kept) }
        Self.add(mid, rows: Array(0..<m), mlpOut, width: d, into: &mid)
        return (mid, kept)
    }

    /// Causal attention of the `queries` rows over every earlier position: the corrupted run's
    /// keys and values before the job's first position, the job's own from there. Returns z,
    /// `[queries, n_heads × d_head]`.
    private func attention(_ l: Int, qkv: [Float], rows: [Row], queries: [Int], patch: Patch) -> [Float] {
        let cachedK = corrupted[.attention(l, .k)]!.scalars, cachedV = corrupted[.attention(l, .v)]!.scalars
        let pattern = patch.hook == .pattern(l) ? clean[.pattern(l)]?.scalars : nil
        // A sequence's rows hold positions `first` to its answer, in order, from `base[s]`.
        var base = [Int: Int]()
        for (i, r) in rows.enumerated() where base[r.sequence] == nil { base[r.sequence] = i }
        var z = [Float](repeating: 0, count: queries.count * config.attentionWidth)
        var weights = [Float](repeating: 0, count: length)
        cachedK.withUnsafeBufferPointer { (ck: UnsafeBufferPointer<Float>) in
            cachedV.withUnsafeBufferPointer { (cv: UnsafeBufferPointer<Float>) in
                qkv.withUnsafeBufferPointer { (qp: UnsafeBufferPointer<Float>) in
                    z.withUnsafeMutableBufferPointer { (zp: inout UnsafeMutableBufferPointer<Float>) in
                        weights.withUnsafeMutableBufferPointer { (wp: inout UnsafeMutableBufferPointer<Float>) in
                            let sources = KeysAndValues(cachedK: ck.baseAddress!, cachedV: cv.baseAddress!, qkv: qp.baseAddress!)
                            for (out, qi) in queries.enumerated() {
                                attend(rows[qi], query: qi, ownBase: base[rows[qi].sequence]!, sources, pattern: pattern, patch: patch,
                                       layer: l, z: zp.baseAddress! + out * config.attentionWidth, scratch: wp.baseAddress!)
                            }
                        }
                    }
                }
            }
        }
        return z
    }

    /// Where one job's keys and values live: the corrupted cache (`[batch, pos, head, d_head]`)
    /// and the job's own q|k|v rows.
    private struct KeysAndValues {
        var cachedK, cachedV, qkv: UnsafePointer<Float>
    }

    /// z of one query row, every head: each score one chain over d_head, z adding the positions
    /// in order.
    private func attend(_ row: Row, query qi: Int, ownBase: Int, _ sources: KeysAndValues, pattern: [Float]?, patch: Patch,
                        layer l: Int, z: UnsafeMutablePointer<Float>, scratch w: UnsafeMutablePointer<Float>) {
        let h = config.nHeads, e = config.dHead, a = config.attentionWidth, t = length, s = row.sequence
        let first = patch.position ?? 0, scale = 1 / Float(e).squareRoot()
        for head in 0..<h {
            // The key (part 1) or value (part 2) of position p: cached before the job's first position.
            func vector(_ p: Int, part: Int) -> UnsafePointer<Float> {
                if p < first { return (part == 1 ? sources.cachedK : sources.cachedV) + ((s * t + p) * h + head) * e }
                return sources.qkv + (ownBase + p - first) * 3 * a + part * a + head * e
            }
            if let pattern, patch.head == head {
                let from = ((s * h + head) * t + row.position) * t
                for p in 0...row.position { w[p] = pattern[from + p] }
            } else {
                let q = sources.qkv + qi * 3 * a + head * e
                var largest = -Float.infinity
                for p in 0...row.position {
                    let k = vector(p, part: 1)
                    var dot: Float = 0
                    for j in 0..<e { dot += q[j] * k[j] }
                    w[p] = dot * scale
                    largest = max(largest, w[p])
                }
                var total: Float = 0
                for p in 0...row.position { w[p] = ReproducibleMath.exp(w[p] - largest); total += w[p] }
                for p in 0...row.position { w[p] /= total }
            }
            let out = z + head * e
            for p in 0...row.position {
                let v = vector(p, part: 2), weight = w[p]
                for j in 0..<e { out[j] += weight * v[j] }
            }
        }
    }
}
