import Reproducible
import Tensor

/// The MLP block: `pre = ln2(x) W_in + b_in` (hook_pre), `post = act(pre)` (hook_post),
/// `out = post W_out + b_out`. GELU is the exact erf form, as `F.gelu` / TransformerLens "gelu".
enum MLP {
    static func forward(_ w: ModelWeights.Layer, _ buffers: Workspace.Layer, _ ws: Workspace,
                        layer: Int, observer: ActivationObserver?) {
        guard let m = ws.config.dMLP, let pre = buffers.mlpPre, let post = buffers.mlpPost,
              let out = buffers.mlpOut, let ln2 = buffers.ln2 else { return }
        let n = ws.rows, d = ws.config.dModel, act = ws.config.actFn
        if act == .relu && observer == nil {
            // Unobserved (training), ReLU is the product's finish: hook_pre is never written.
            Gemm.product(m: n, n: m, k: d, a: ln2.out, lda: d, b: w.win, ldb: m, bias: w.bin, finish: .relu, c: post, ldc: m)
            Gemm.product(m: n, n: d, k: m, a: post, lda: m, b: w.wout, ldb: d, bias: w.bout, c: out, ldc: d)
            return
        }
        Gemm.product(m: n, n: m, k: d, a: ln2.out, lda: d, b: w.win, ldb: m, bias: w.bin, c: pre, ldc: m)
        observer?.visit(.mlp(layer, .pre), pre, shape: [ws.batch, ws.length, m])
        Parallel.forRanges(n, parts: ws.parts) { range in
            let lo = range.lowerBound * m, hi = range.upperBound * m
            switch act {
            case .relu:
                var i = lo
                while i + 16 <= hi {
                    let x = VectorMath.load(pre + i)
                    VectorMath.store(x.replacing(with: 0, where: x .< 0), post + i); i += 16
                }
                while i < hi { post[i] = max(pre[i], 0); i += 1 }
            case .gelu:
                let erf = ErfTable.shared
                var i = lo
                while i + 16 <= hi { VectorMath.store(gelu(VectorMath.load(pre + i), erf), post + i); i += 16 }
                while i < hi { post[i] = gelu(pre[i], erf); i += 1 }
            }
        }
        observer?.visit(.mlp(layer, .post), post, shape: [ws.batch, ws.length, m])
        Gemm.product(m: n, n: d, k: m, a: post, lda: m, b: w.wout, ldb: d, bias: w.bout, c: out, ldc: d)
    }

    /// Given the residual gradient (the MLP output's gradient), writes the MLP's and ln2's
    /// parameter gradients and adds the input's gradient into `ws.dResid`. Follows an unobserved
    /// forward, so for ReLU `post <= 0` exactly where `pre <= 0` (-0 and NaN included) and the
    /// gradient's mask is the product's finish.
    static func backward(_ w: ModelWeights.Layer, _ g: ModelWeights.Layer, _ buffers: Workspace.Layer, _ ws: Workspace) {
        guard let m = ws.config.dMLP, let pre = buffers.mlpPre, let post = buffers.mlpPost,
              let ln2 = buffers.ln2, let dHidden = ws.dHidden else { return }
        let n = ws.rows, d = ws.config.dModel, act = ws.config.actFn, dOut = ws.dResid
        Gemm.product(transposeA: true, m: m, n: d, k: n, a: post, lda: m, b: dOut, ldb: d, c: g.wout, ldc: d)
        Kernels.columnSum(dOut, rows: n, width: d, into: g.bout, ws)
        switch act {
        case .relu:
            Gemm.product(transposeB: true, m: n, n: m, k: d, a: dOut, lda: d, b: w.wout, ldb: d,
                         finish: .zeroWhereNonPositive(mask: post, ldm: m), c: dHidden, ldc: m)
        case .gelu:
            Gemm.product(transposeB: true, m: n, n: m, k: d, a: dOut, lda: d, b: w.wout, ldb: d, c: dHidden, ldc: m)
            Parallel.forRanges(n, parts: ws.parts) { range in
                let erf = ErfTable.shared
                for i in range.lowerBound * m..<range.upperBound * m { dHidden[i] *= geluDerivative(pre[i], erf) }
            }
        }
        Gemm.product(transposeA: true, m: d, n: m, k: n, a: ln2.out, lda: d, b: dHidden, ldb: m, c: g.win, ldc: m)
        Kernels.columnSum(dHidden, rows: n, width: m, into: g.bin, ws)
        Gemm.product(transposeB: true, m: n, n: d, k: m, a: dHidden, lda: m, b: w.win, ldb: m, c: ws.dNormOut, ldc: d)
        LayerNorm.backward(dOut: ws.dNormOut, dInput: ws.dResid, w: w.ln2w, dw: g.ln2w, db: g.ln2b,
                           ln2, ws, accumulate: true)
    }

    /// x Φ(x), with erf from `table` (`ErfTable.shared`, taken once per loop).
    @inline(__always)
    static func gelu(_ x: Float, _ table: ErfTable) -> Float {
        0.5 * x * (1 + Float(table.erf(Double(x * 0.70710678118654752))))
    }

    /// `gelu` of sixteen values, with the same bits.
    @inline(__always)
    static func gelu(_ x: SIMD16<Float>, _ table: ErfTable) -> SIMD16<Float> {
        let scaled = x * 0.70710678118654752
        let erf = SIMD16(lowHalf: SIMD8<Float>(table.erf(SIMD8<Double>(scaled.lowHalf))),
                         highHalf: SIMD8<Float>(table.erf(SIMD8<Double>(scaled.highHalf))))
        return 0.5 * x * (1 + erf)
    }

    /// d/dx [x Φ(x)] = Φ(x) + x φ(x)
    @inline(__always)
    static func geluDerivative(_ x: Float, _ table: ErfTable) -> Float {
        0.5 * (1 + Float(table.erf(Double(x * 0.70710678118654752)))) + x * 0.39894228040143268 * ReproducibleMath.exp(-0.5 * x * x)
    }
}
