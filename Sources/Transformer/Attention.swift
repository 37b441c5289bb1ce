import Reproducible
import Tensor

/// Causal multi-head attention, as TransformerLens computes it:
/// q, k, v = x W + b per head; scores = q k^T / sqrt(d_head) with the future masked to -inf;
/// pattern = softmax(scores); z = pattern v; out = Σ_h z_h W_O[h] + b_O.
///
/// q, k and v come from one product with the three weights packed side by side; attention
/// runs per (sequence, head) with small products, sequences split across threads.
enum Attention {
    static func forward(_ w: ModelWeights.Layer, _ buffers: Workspace.Layer, _ ws: Workspace,
                        layer: Int, observer: ActivationObserver?) {
        let c = ws.config, n = ws.rows, d = c.dModel, h = c.nHeads, e = c.dHead, a = c.attentionWidth
        let t = ws.length, width = 3 * a
        if ws.packsWeights { pack(w, into: buffers.packedQKV, bias: buffers.packedQKVBias, c) }
        // qkv = ln1(x) [n, d] x packed [d, 3a] + bias
        Gemm.product(m: n, n: width, k: d, a: buffers.ln1.out, lda: d, b: buffers.packedQKV, ldb: width,
                     bias: buffers.packedQKVBias, c: buffers.qkv, ldc: width)
        if let observer {
            for (i, part) in [HookName.AttentionPoint.q, .k, .v].enumerated() {
                observer.visit(.attention(layer, part), buffers.qkv + i * a, shape: [ws.batch, t, h, e], width: a, stride: width)
            }
        }
        let scale = 1 / Float(e).squareRoot()
        let qkv = buffers.qkv, pattern = buffers.pattern, z = buffers.z
        forEachSequence(ws) { b in
            for head in 0..<h {
                let q = qkv + b * t * width + head * e, k = q + a
                let s = pattern + (b * h + head) * t * t
                Gemm.product(transposeB: true, structure: .lowerOutput, m: t, n: t, k: e, alpha: scale,
                             a: q, lda: width, b: k, ldb: width, c: s, ldc: t)
                // The mask, for hooks to see (TransformerLens masks before hook_attn_scores);
                // without hooks the softmax below ignores the future anyway.
                if observer != nil {
                    for i in 0..<(t - 1) { (s + i * t + i + 1).update(repeating: -.infinity, count: t - 1 - i) }
                }
            }
        }
        observer?.visit(.attention(layer, .attnScores), pattern, shape: [ws.batch, h, t, t])
        forEachSequence(ws) { b in
            for row in (b * h * t)..<((b + 1) * h * t) {
                if observer == nil {
                    softmaxPrefix(pattern + row * t, visible: row % t + 1, count: t)
                } else {
                    softmaxCausalRow(pattern + row * t, query: row % t, count: t)
                }
            }
        }
        observer?.visit(.attention(layer, .pattern), pattern, shape: [ws.batch, h, t, t])
        // A hook may have rewritten the pattern; only a causal one may skip the future's zeros.
        let patternStructure: Gemm.Structure = observer == nil ? .lowerA : .full
        forEachSequence(ws) { b in
            for head in 0..<h {
                let v = qkv + b * t * width + 2 * a + head * e
                Gemm.product(structure: patternStructure, m: t, n: e, k: t, a: pattern + (b * h + head) * t * t, lda: t,
                             b: v, ldb: width, c: z + b * t * a + head * e, ldc: a)
            }
        }
        observer?.visit(.attention(layer, .z), z, shape: [ws.batch, t, h, e])
        // out = z [n, a] x W_O [a, d] + b_O
        Gemm.product(m: n, n: d, k: a, a: z, lda: a, b: w.wo, ldb: d, bias: w.bo, c: buffers.attnOut, ldc: d)
        if let observer, observer.wants(.attention(layer, .result)) {
            // result[b, t, head] = z[b, t, head] W_O[head]; only for analysis.
            var result = [Float](repeating: 0, count: n * h * d)
            result.withUnsafeMutableBufferPointer { r in
                let r = r.baseAddress!
                for head in 0..<h {
                    Gemm.product(m: n, n: d, k: e, a: z + head * e, lda: a, b: w.wo + head * e * d, ldb: d,
                              c: r + head * d, ldc: h * d)
                }
                if observer.visit(.attention(layer, .result), r, shape: [ws.batch, t, h, d]) {
                    let out = buffers.attnOut
                    for row in 0..<n {
                        for j in 0..<d {
                            var sum = w.bo[j]
                            for head in 0..<h { sum += r[(row * h + head) * d + j] }
                            out[row * d + j] = sum
                        }
                    }
                }
            }
        }
    }

    /// Given `dOut` = the gradient of the attention output (the residual gradient), writes the
    /// gradients of W_Q/K/V/O and biases and adds the input's gradient (through ln1) into
    /// `ws.dResid`.
    static func backward(_ w: ModelWeights.Layer, _ g: ModelWeights.Layer, _ buffers: Workspace.Layer, _ ws: Workspace) {
        let c = ws.config, n = ws.rows, d = c.dModel, h = c.nHeads, e = c.dHead, a = c.attentionWidth
        let t = ws.length, width = 3 * a
        let dOut = ws.dResid
        // W_O and b_O; dz = dOut W_O^T
        Gemm.product(transposeA: true, m: a, n: d, k: n, a: buffers.z, lda: a, b: dOut, ldb: d, c: g.wo, ldc: d)
        Kernels.columnSum(dOut, rows: n, width: d, into: g.bo, ws)
        Gemm.product(transposeB: true, m: n, n: a, k: d, a: dOut, lda: d, b: w.wo, ldb: d, c: ws.dZ, ldc: a)

        let scale = 1 / Float(e).squareRoot()
        let qkv = buffers.qkv, pattern = buffers.pattern, dZ = ws.dZ, dQKV = ws.dQKV
        let scratch = ws.dPatternScratch
        forEachSequence(ws, withSlot: true) { b, slot in
            let dP = scratch + slot * ws.scratchStride
            for head in 0..<h {
                let base = b * t * width + head * e
                let q = qkv + base, k = q + a, v = q + 2 * a
                let dq = dQKV + base, dk = dq + a, dv = dq + 2 * a
                let p = pattern + (b * h + head) * t * t
                let dz = dZ + b * t * a + head * e
                // dP = dz v^T (its causal part); dv = P^T dz (P is causal: training runs no hooks)
                Gemm.product(transposeB: true, structure: .lowerOutput, m: t, n: t, k: e, a: dz, lda: a, b: v, ldb: width,
                             c: dP, ldc: t)
                Gemm.product(transposeA: true, structure: .upperA, m: t, n: e, k: t, a: p, lda: t, b: dz, ldb: a,
                             c: dv, ldc: width)
                // softmax backward, then the 1/sqrt(d_head) of the scores: dS = P (dP - Σ P dP) / sqrt(e)
                for i in 0..<t {
                    let pr = p + i * t, gr = dP + i * t
                    let dot = VectorMath.dot(pr, gr, i + 1)
                    for j in 0...i { gr[j] = pr[j] * (gr[j] - dot) * scale }
                    (gr + i + 1).update(repeating: 0, count: t - 1 - i)
                }
                // dq = dS k; dk = dS^T q (dS is causal)
                Gemm.product(structure: .lowerA, m: t, n: e, k: t, a: dP, lda: t, b: k, ldb: width, c: dq, ldc: width)
                Gemm.product(transposeA: true, structure: .upperA, m: t, n: e, k: t, a: dP, lda: t, b: q, ldb: width,
                             c: dk, ldc: width)
            }
        }
        // Packed weights and biases, then the input gradient dx = dqkv packed^T.
        Gemm.product(transposeA: true, m: d, n: width, k: n, a: buffers.ln1.out, lda: d, b: dQKV, ldb: width,
                  c: ws.dPackedQKV, ldc: width)
        unpack(ws.dPackedQKV, into: g, c)
        Kernels.columnSum(dQKV, rows: n, width: width, into: ws.dPackedQKV, ws)
        for head in 0..<h {
            for j in 0..<e {
                g.bq[head * e + j] = ws.dPackedQKV[head * e + j]
                g.bk[head * e + j] = ws.dPackedQKV[a + head * e + j]
                g.bv[head * e + j] = ws.dPackedQKV[2 * a + head * e + j]
            }
        }
        Gemm.product(transposeB: true, m: n, n: d, k: width, a: dQKV, lda: width, b: buffers.packedQKV, ldb: width,
                  c: ws.dNormOut, ldc: d)
        LayerNorm.backward(dOut: ws.dNormOut, dInput: ws.dResid, w: w.ln1w, dw: g.ln1w, db: g.ln1b,
                           buffers.ln1, ws, accumulate: true)
    }

    /// packed[i, j*a + head*e + f] = W_j[head, i, f] for j in (Q, K, V).
    static func pack(_ w: ModelWeights.Layer, into packed: UnsafeMutablePointer<Float>,
                     bias: UnsafeMutablePointer<Float>, _ c: ModelConfig) {
        let (d, h, e, a) = (c.dModel, c.nHeads, c.dHead, c.attentionWidth)
        for (j, (weight, b)) in [(w.wq, w.bq), (w.wk, w.bk), (w.wv, w.bv)].enumerated() {
            for head in 0..<h {
                for i in 0..<d {
                    (packed + i * 3 * a + j * a + head * e).update(from: weight + (head * d + i) * e, count: e)
                }
            }
            (bias + j * a).update(from: b, count: a)
        }
    }

    /// The inverse of `pack`, for the gradient.
    static func unpack(_ packed: UnsafeMutablePointer<Float>, into g: ModelWeights.Layer, _ c: ModelConfig) {
        let (d, h, e, a) = (c.dModel, c.nHeads, c.dHead, c.attentionWidth)
        for (j, weight) in [g.wq, g.wk, g.wv].enumerated() {
            for head in 0..<h {
                for i in 0..<d {
                    (weight + (head * d + i) * e).update(from: packed + i * 3 * a + j * a + head * e, count: e)
                }
            }
        }
    }

    /// In-place softmax of one row (max-subtracted; -inf entries become 0).
    @inline(__always)
    static func softmaxRow(_ row: UnsafeMutablePointer<Float>, count: Int) {
        let m = VectorMath.max(row, count)
        if m == -.infinity { row.update(repeating: 0, count: count); return }
        for j in 0..<count { row[j] = ReproducibleMath.exp(row[j] - m) }
        let inverse = 1 / VectorMath.sum(row, count)
        for j in 0..<count { row[j] *= inverse }
    }

    /// Softmax of query `i`'s row over keys `0...i`; the masked rest is set to 0. A hook may
    /// have unmasked or rewritten scores, so a row with finite future entries falls back to
    /// the full softmax.
    @inline(__always)
    static func softmaxCausalRow(_ row: UnsafeMutablePointer<Float>, query i: Int, count: Int) {
        var future = i + 1
        while future < count && row[future] == -.infinity { future += 1 }
        if future < count {
            softmaxRow(row, count: count)
            return
        }
        softmaxPrefix(row, visible: i + 1, count: count)
    }

    /// Softmax of the row's first `visible` entries; the rest is set to 0.
    @inline(__always)
    static func softmaxPrefix(_ row: UnsafeMutablePointer<Float>, visible: Int, count: Int) {
        let m = VectorMath.max(row, visible)
        if m == -.infinity { row.update(repeating: 0, count: count); return }
        let total = VectorMath.expShifted(row, visible, shift: m)
        VectorMath.scale(row, visible, by: 1 / total)
        (row + visible).update(repeating: 0, count: count - visible)
    }

    /// Runs `body(sequence)` for every sequence of the batch, in contiguous blocks per thread
    /// (a block's products run on its own thread: they are below `Gemm.parallelThreshold`).
    static func forEachSequence(_ ws: Workspace, body: (Int) -> Void) {
        forEachSequence(ws, withSlot: false) { b, _ in body(b) }
    }

    static func forEachSequence(_ ws: Workspace, withSlot: Bool, body: (Int, Int) -> Void) {
        Parallel.forParts(ws.batch, parts: ws.parts) { range, slot in
            for b in range { body(b, slot) }
        }
    }
}
