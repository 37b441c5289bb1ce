import Tensor

/// `logits = ln_final(x) W_U + b_U`, and its backward into `ws.dResid` (which it starts).
enum Unembed {
    static func forward(_ w: ModelWeights, _ ws: Workspace) {
        let n = ws.rows, d = ws.config.dModel, v = ws.config.dVocab
        Gemm.product(m: n, n: v, k: d, a: ws.lnFinal.out, lda: d, b: w.unembed, ldb: v, bias: w.unembedBias,
                     c: ws.logits, ldc: v)
    }

    /// Expects the logits' gradient in `ws.logits` (see `Loss.crossEntropyGradient`).
    static func backward(_ w: ModelWeights, _ g: ModelWeights, _ ws: Workspace) {
        let n = ws.rows, d = ws.config.dModel, v = ws.config.dVocab, dLogits = ws.logits
        Gemm.product(transposeA: true, m: d, n: v, k: n, a: ws.lnFinal.out, lda: d, b: dLogits, ldb: v,
                  c: g.unembed, ldc: v)
        Kernels.columnSum(dLogits, rows: n, width: v, into: g.unembedBias, ws)
        Gemm.product(transposeB: true, m: n, n: d, k: v, a: dLogits, lda: v, b: w.unembed, ldb: v, c: ws.dNormOut, ldc: d)
        LayerNorm.backward(dOut: ws.dNormOut, dInput: ws.dResid, w: w.lnFinalW, dw: g.lnFinalW, db: g.lnFinalB,
                           ws.lnFinal, ws, accumulate: false)
    }
}
