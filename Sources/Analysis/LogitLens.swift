import Reproducible
import Tensor
import Transformer

/// The logit lens: each residual stream read as if it were the last, through the final
/// LayerNorm and the unembedding, scored against the targets at each position.
///
/// The LayerNorm's scale is the one the forward computed for the final stream (TransformerLens's
/// `ActivationCache.apply_ln_to_stack`: centre each vector, divide by `ln_final.hook_scale`),
/// then `ln_final.w` and `.b` apply, then `W_U` and `b_U`. On the final stream this is the
/// model's own prediction, so the last row is the model's loss by position.
struct LogitLens {
    /// `[stream, pos]`: mean cross-entropy over the sequences with a target there (NaN where none).
    let loss: Tensor
    /// `[stream, pos]`: the fraction of those sequences whose top logit is the target.
    let accuracy: Tensor

    /// `streams` are `[batch, pos, d_model]`; `finalScale` is `ln_final.hook_scale`
    /// (`[batch, pos, 1]`), nil without LayerNorm; `targets` has one entry per row, −1 for none.
    init(streams: [Tensor], finalScale: Tensor?, weights: CheckpointWeights, targets: [Int]) throws(AnalysisError) {
        guard let first = streams.first, first.rank == 3 else { throw .badInput("the logit lens needs [batch, pos, d_model] residual streams") }
        let (batch, n, d) = (first.shape[0], first.shape[1], first.shape[2])
        let wU = try weights(.unembed), bU = try weights(.unembedBias)
        var ln: (w: Tensor, b: Tensor, scale: Tensor)?
        if let finalScale { ln = (try weights(.lnFinalW), try weights(.lnFinalB), finalScale) }
        var losses = [Float](), accuracies = [Float]()
        // Rows in chunks, so that the logits of a large batch are never all held at once.
        let chunk = 2048
        for stream in streams {
            var lossTotal = [Double](repeating: 0, count: n), hits = [Double](repeating: 0, count: n), counted = [Double](repeating: 0, count: n)
            for start in stride(from: 0, to: batch * n, by: chunk) {
                let rows = min(chunk, batch * n - start)
                var x = Tensor(shape: [rows, d], scalars: Array(stream.scalars[(start * d)..<((start + rows) * d)]))
                if let ln { x = Self.normalize(x, scale: ln.scale, firstRow: start, weight: ln.w, bias: ln.b) }
                let logits = x.matmul(wU).addingRowVector(bU)
                for r in 0..<rows where targets[start + r] >= 0 {
                    let (loss, top) = Self.score(logits, row: r, target: targets[start + r])
                    let p = (start + r) % n
                    lossTotal[p] += loss
                    hits[p] += top ? 1 : 0
                    counted[p] += 1
                }
            }
            losses += (0..<n).map { counted[$0] > 0 ? Float(lossTotal[$0] / counted[$0]) : .nan }
            accuracies += (0..<n).map { counted[$0] > 0 ? Float(hits[$0] / counted[$0]) : .nan }
        }
        loss = Tensor(shape: [streams.count, n], scalars: losses)
        accuracy = Tensor(shape: [streams.count, n], scalars: accuracies)
    }

    /// (x − mean(x)) / scale, then × w + b, row by row; the mean adds in a fixed order.
    static func normalize(_ x: Tensor, scale: Tensor, firstRow: Int, weight: Tensor, bias: Tensor) -> Tensor {
        let (rows, d) = (x.shape[0], x.shape[1])
        var out = x
        for r in 0..<rows {
            var total: Float = 0
            for j in 0..<d { total += x.scalars[r * d + j] }
            let mean = total / Float(d), s = scale.scalars[firstRow + r]
            for j in 0..<d { out.scalars[r * d + j] = (x.scalars[r * d + j] - mean) / s * weight.scalars[j] + bias.scalars[j] }
        }
        return out
    }

    /// The cross-entropy of one row's logits against `target`, and whether the first largest
    /// logit is the target.
    static func score(_ logits: Tensor, row: Int, target: Int) -> (loss: Double, top: Bool) {
        let v = logits.shape[1], base = row * v
        var best = 0
        for j in 1..<v where logits.scalars[base + j] > logits.scalars[base + best] { best = j }
        let largest = Double(logits.scalars[base + best])
        var sum = 0.0
        for j in 0..<v { sum += ReproducibleMath.exp(Double(logits.scalars[base + j]) - largest) }
        return (largest + ReproducibleMath.log(sum) - Double(logits.scalars[base + target]), best == target)
    }
}
