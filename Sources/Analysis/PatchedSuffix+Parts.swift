import Reproducible
import Tensor
import Transformer

/// The model's weights laid out for `PatchedSuffix`'s products: each layer's W_Q, W_K and W_V
/// side by side as one `[d_model, 3 × n_heads × d_head]` matrix (as the forward packs them).
struct PackedWeights: Sendable {
    struct Layer: Sendable {
        var ln1w, ln1b, ln2w, ln2b: [Float]?
        var qkv: [Float], qkvBias: [Float], wo: [Float], bo: [Float]
        var win, bin, wout, bout: [Float]?
    }
    var layers: [Layer]
    var lnFinalW, lnFinalB: [Float]?
    var unembed: [Float], unembedBias: [Float]

    init(_ model: Model) throws(AnalysisError) {
        let c = model.config, weights = CheckpointWeights(model, path: "the model being patched")
        let a = c.attentionWidth, d = c.dModel, e = c.dHead
        func get(_ name: WeightName) throws(AnalysisError) -> [Float] { try weights(name).scalars }
        /// A weight only some configs have (LayerNorm, MLP): nil when `present` says this one has none.
        func optional(_ name: WeightName, when present: Bool) throws(AnalysisError) -> [Float]? { present ? try get(name) : nil }
        let ln = c.hasLayerNorm, mlp = c.hasMLP
        layers = try (0..<c.nLayers).map { l throws(AnalysisError) in
            var qkv = [Float](repeating: 0, count: d * 3 * a), bias = [Float](repeating: 0, count: 3 * a)
            for (part, (weight, biasName)) in [(WeightName.Block.wQ, WeightName.Block.bQ), (.wK, .bK), (.wV, .bV)].enumerated() {
                let w = try get(.block(l, weight)), wb = try get(.block(l, biasName))   // [H, d, e], [H, e]
                for head in 0..<c.nHeads {
                    for i in 0..<d { for j in 0..<e { qkv[i * 3 * a + part * a + head * e + j] = w[(head * d + i) * e + j] } }
                    for j in 0..<e { bias[part * a + head * e + j] = wb[head * e + j] }
                }
            }
            return Layer(ln1w: try optional(.block(l, .ln1W), when: ln), ln1b: try optional(.block(l, .ln1B), when: ln),
                         ln2w: try optional(.block(l, .ln2W), when: ln && mlp), ln2b: try optional(.block(l, .ln2B), when: ln && mlp),
                         qkv: qkv, qkvBias: bias, wo: try get(.block(l, .wO)), bo: try get(.block(l, .bO)),
                         win: try optional(.block(l, .wIn), when: mlp), bin: try optional(.block(l, .bIn), when: mlp),
                         wout: try optional(.block(l, .wOut), when: mlp), bout: try optional(.block(l, .bOut), when: mlp))
        }
        lnFinalW = try optional(.lnFinalW, when: ln)
        lnFinalB = try optional(.lnFinalB, when: ln)
        unembed = try get(.unembed)
        unembedBias = try get(.unembedBias)
    }
}

extension PatchedSuffix {
    /// The corrupted run's activation `name` (`[batch, pos, d]`) at these rows.
    func gather(_ name: HookName, rows: [Row]) -> [Float] {
        let d = config.dModel, source = corrupted[name]!.scalars
        var out = [Float]()
        out.reserveCapacity(rows.count * d)
        for r in rows { out += source[((r.sequence * length + r.position) * d)..<((r.sequence * length + r.position + 1) * d)] }
        return out
    }

    /// Copies the clean run's values into `x` (`[rows, width]`) where `patch` reaches: its
    /// position (or every one) and, for hook_z, its head's `d_head` slice.
    func apply(_ patch: Patch, to x: inout [Float], rows: [Row], width: Int? = nil) {
        let width = width ?? config.dModel, source = clean[patch.hook]!.scalars
        let (slice, count) = patch.hook == .attention(patch.layer, .z) ? ((patch.head ?? 0) * config.dHead, config.dHead) : (0, width)
        for (i, r) in rows.enumerated() where patch.position == nil || patch.position == r.position {
            let from = (r.sequence * length + r.position) * width + slice
            for j in 0..<count { x[i * width + slice + j] = source[from + j] }
        }
    }

    /// TransformerLens's LayerNorm of each row (none without normalisation): centre, divide by
    /// sqrt(mean square + eps), then × w + b; sums in row order.
    func layerNorm(_ x: [Float], count: Int, w: [Float]?, b: [Float]?) -> [Float] {
        guard let w, let b else { return x }
        let d = config.dModel, eps = config.eps
        var out = x
        x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                for r in 0..<count {
                    let row = x.baseAddress! + r * d, o = out.baseAddress! + r * d
                    var total: Float = 0
                    for j in 0..<d { total += row[j] }
                    let mean = total / Float(d)
                    var squares: Float = 0
                    for j in 0..<d { let v = row[j] - mean; squares += v * v }
                    let scale = (squares / Float(d) + eps).squareRoot()
                    for j in 0..<d { o[j] = (row[j] - mean) / scale * w[j] + b[j] }
                }
            }
        }
        return out
    }

    /// `out = x [m, k] × w [k, n] + bias`, one fixed chain over k per output (`Gemm`).
    func product(_ x: [Float], m: Int, k: Int, _ w: [Float], n: Int, bias: [Float]?, into out: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    if let bias {
                        bias.withUnsafeBufferPointer { bp in
                            Gemm.product(m: m, n: n, k: k, a: xp.baseAddress!, lda: k, b: wp.baseAddress!, ldb: n, bias: bp.baseAddress, c: op.baseAddress!, ldc: n)
                        }
                    } else {
                        Gemm.product(m: m, n: n, k: k, a: xp.baseAddress!, lda: k, b: wp.baseAddress!, ldb: n, c: op.baseAddress!, ldc: n)
                    }
                }
            }
        }
    }

    /// The MLP's activation in place: ReLU, or GELU with the exact erf (TransformerLens's "gelu").
    func activate(_ values: inout [Float]) {
        let gelu = config.actFn == .gelu
        values.withUnsafeMutableBufferPointer { v in
            for i in v.indices {
                let x = v[i]
                v[i] = gelu ? 0.5 * x * (1 + Float(ReproducibleMath.erf(Double(x * 0.70710678118654752)))) : max(x, 0)
            }
        }
    }

    /// `out[i] = a[rows[i]] + b[i]`, rows of `width` (`out` may be `a` when rows are in order).
    static func add(_ a: [Float], rows: [Int], _ b: [Float], width: Int, into out: inout [Float]) {
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                var result = [Float](repeating: 0, count: rows.count * width)
                result.withUnsafeMutableBufferPointer { op in
                    for (i, r) in rows.enumerated() {
                        for j in 0..<width { op[i * width + j] = ap[r * width + j] + bp[i * width + j] }
                    }
                }
                out = result
            }
        }
    }

    /// The answer rows through `ln_final` and the two columns of the unembedding the metric reads.
    func unembedDifferences(_ x: [Float], rows: [Row]) -> [Float] {
        let d = config.dModel, v = config.dVocab, wU = weights.unembed, bU = weights.unembedBias
        let y = layerNorm(x, count: rows.count, w: weights.lnFinalW, b: weights.lnFinalB)
        return rows.enumerated().map { i, r in
            let answer = inputs.answers[r.sequence]
            var correct: Float = 0, wrong: Float = 0
            for j in 0..<d {
                correct += y[i * d + j] * wU[j * v + answer.correct]
                wrong += y[i * d + j] * wU[j * v + answer.wrong]
            }
            return (correct + bU[answer.correct]) - (wrong + bU[answer.wrong])
        }
    }
}
