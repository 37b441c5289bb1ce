import Foundation
import Tensor

/// Cross-entropy of the logits against the targets, averaged over positions whose mask is 1.
enum Loss {
    /// Writes each position's loss into `ws.rowLoss` and returns the mean. Logits are kept.
    static func crossEntropy(_ ws: Workspace) -> Float {
        run(ws, writeGradient: false)
    }

    /// Like `crossEntropy`, and overwrites the logits with the loss's gradient
    /// `(softmax - onehot) * mask / Σ mask`, fused so the logits are read once.
    static func crossEntropyGradient(_ ws: Workspace) -> Float {
        run(ws, writeGradient: true)
    }

    private static func run(_ ws: Workspace, writeGradient: Bool) -> Float {
        let n = ws.rows, v = ws.config.dVocab
        let logits = ws.logits, rowLoss = ws.rowLoss, mask = ws.lossMask, targets = ws.targets
        var total: Float = 0
        for r in 0..<n { total += mask[r] }
        let weight = total > 0 ? 1 / total : 0
        Parallel.forRanges(n) { range in
            for r in range {
                let row = logits + r * v
                guard mask[r] != 0 else {
                    rowLoss[r] = 0
                    if writeGradient { row.update(repeating: 0, count: v) }
                    continue
                }
                var m = -Float.infinity
                for j in 0..<v { m = max(m, row[j]) }
                var sum: Float = 0
                if writeGradient {
                    let target = Int(targets[r])
                    let targetLogit = row[target]
                    for j in 0..<v { let e = expf(row[j] - m); row[j] = e; sum += e }
                    rowLoss[r] = logf(sum) + m - targetLogit
                    let scale = mask[r] * weight / sum
                    for j in 0..<v { row[j] *= scale }
                    row[target] -= mask[r] * weight
                } else {
                    for j in 0..<v { sum += expf(row[j] - m) }
                    rowLoss[r] = logf(sum) + m - row[Int(targets[r])]
                }
            }
        }
        // Mean in row order, in Double, so it is the same for any thread count.
        var loss: Double = 0
        for r in 0..<n { loss += Double(rowLoss[r] * mask[r]) }
        return Float(loss * Double(weight))
    }
}
