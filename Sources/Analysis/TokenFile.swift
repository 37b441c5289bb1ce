import Foundation
import Tensor
import Transformer

/// Evaluation tokens from `.npy` files (`--tokens T.npy [--targets Y.npy]`), instead of the task's
/// generator: `[batch, n_ctx]` int64 or int32, every token in `0..<d_vocab`.
///
/// Without targets the loss is next-token prediction (position p predicts token p + 1; the last
/// position counts for nothing). A targets file has the same shape; a negative target leaves its
/// position out of the loss.
public enum TokenFile {
    public static func batch(tokens path: String, targets targetsPath: String? = nil, model: ModelConfig) throws(AnalysisError) -> TokenBatch {
        let tokens = try integers(path, model: model, allowNegative: false)
        let (batch, n) = (tokens.shape[0], tokens.shape[1])
        var targets = [Int32](repeating: 0, count: batch * n), mask = [Float](repeating: 0, count: batch * n)
        if let targetsPath {
            let given = try integers(targetsPath, model: model, allowNegative: true)
            guard given.shape == tokens.shape else {
                throw .badInput("\(targetsPath): targets have shape \(given.shape); the tokens in \(path) have \(tokens.shape)")
            }
            for i in 0..<(batch * n) where given.values[i] >= 0 { targets[i] = given.values[i]; mask[i] = 1 }
        } else {
            for b in 0..<batch {
                for p in 0..<(n - 1) { targets[b * n + p] = tokens.values[b * n + p + 1]; mask[b * n + p] = 1 }
            }
        }
        return TokenBatch(batch: batch, length: n, tokens: tokens.values, targets: targets, lossMask: mask)
    }

    private static func integers(_ path: String, model: ModelConfig, allowNegative: Bool) throws(AnalysisError) -> (shape: [Int], values: [Int32]) {
        let array: NDArray
        do { array = try NumpyFile.read(path) } catch { throw .badInput("\(error)") }
        let shape: [Int], values: [Int64]
        switch array {
        case .int64(let s, let v): (shape, values) = (s, v)
        case .int32(let s, let v): (shape, values) = (s, v.map(Int64.init))
        default: throw .badInput("\(path): tokens must be int64 or int32, found \(array.dtype.safetensorsName)")
        }
        guard shape.count == 2, shape[0] >= 1, shape[1] == model.nCtx else {
            throw .badInput("\(path): tokens have shape \(shape); expected [batch, n_ctx] = [B, \(model.nCtx)] with B >= 1")
        }
        if let bad = values.firstIndex(where: { $0 >= model.dVocab || (!allowNegative && $0 < 0) }) {
            throw .badInput("\(path): value \(values[bad]) at flat index \(bad) is outside 0..<\(model.dVocab) (d_vocab)")
        }
        return (shape, values.map { Int32(clamping: $0) })
    }
}
