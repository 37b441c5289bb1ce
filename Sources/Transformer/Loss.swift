import Reproducible
import Tensor

/// Cross-entropy of the logits against the targets, averaged over positions whose mask is 1.
public enum Loss {
    /// Writes each position's loss into `ws.rowLoss` and returns the mean. Logits are kept.
    static func crossEntropy(_ ws: Workspace) -> Float {
        run(ws, writeGradient: false)
    }

    /// Like `crossEntropy`, and overwrites the logits with the loss's gradient
    /// `(softmax - onehot) * mask / Σ mask`, fused so the logits are read once.
    /// `maskTotal` is Σ mask over the whole batch when `ws` holds one shard of it (the default
    /// is this workspace's own), so that shard gradients add up to the batch's.
    static func crossEntropyGradient(_ ws: Workspace, maskTotal: Float? = nil) -> Float {
        run(ws, writeGradient: true, maskTotal: maskTotal)
    }

    /// Σ mask in `Float`, in row order: what every mean loss divides by.
    public static func maskTotal(_ mask: some Sequence<Float>) -> Float {
        var total: Float = 0
        for m in mask { total += m }
        return total
    }

    /// The mean of the rows' losses over the masked-in rows: Σ loss · mask in `Double`, in row
    /// order, divided by `maskTotal` (of the whole batch, when these rows are one shard of it).
    /// The trainer, `Model.run` and the analysis' chunked forward all mean their losses so.
    public static func maskedMean(_ rowLosses: some Sequence<Float>, mask: some Sequence<Float>, maskTotal: Float) -> Float {
        let weight = maskTotal > 0 ? 1 / maskTotal : 0
        var sum: Double = 0
        for (loss, m) in zip(rowLosses, mask) { sum += Double(loss * m) }
        return Float(sum * Double(weight))
    }

    private static func run(_ ws: Workspace, writeGradient: Bool, maskTotal: Float? = nil) -> Float {
        let n = ws.rows, v = ws.config.dVocab
        let logits = ws.logits, rowLoss = ws.rowLoss, mask = ws.lossMask, targets = ws.targets
        let total = maskTotal ?? Self.maskTotal(UnsafeBufferPointer(start: mask, count: n))
        let weight = total > 0 ? 1 / total : 0
        Parallel.forRanges(n, parts: ws.parts) { range in
            for r in range {
                let row = logits + r * v
                guard mask[r] != 0 else {
                    rowLoss[r] = 0
                    if writeGradient { row.update(repeating: 0, count: v) }
                    continue
                }
                let m = VectorMath.max(row, v)
                if writeGradient {
                    let target = Int(targets[r])
                    let targetLogit = row[target]
                    let sum = VectorMath.expShifted(row, v, shift: m)
                    rowLoss[r] = ReproducibleMath.log(sum) + m - targetLogit
                    let scale = mask[r] * weight / sum
                    VectorMath.scale(row, v, by: scale)
                    row[target] -= mask[r] * weight
                } else {
                    let sum = VectorMath.sumOfExpShifted(row, v, shift: m)
                    rowLoss[r] = ReproducibleMath.log(sum) + m - row[Int(targets[r])]
                }
            }
        }
        // Mean in row order, in Double, so it is the same for any thread count.
        return maskedMean(UnsafeBufferPointer(start: rowLoss, count: n), mask: UnsafeBufferPointer(start: mask, count: n),
                          maskTotal: total)
    }
}
