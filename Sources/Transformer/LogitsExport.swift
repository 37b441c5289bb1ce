import Tensor

/// Logits of a checkpoint on a token file, for cross-checks against other implementations
/// (`Scripts/check-logits.sh` compares them with `shared/reference/torch_model.py logits`).
public enum LogitsExport {
    public enum Failure: Error, CustomStringConvertible {
        case checkpoint(CheckpointError)
        case file(ArrayFileError)
        case badTokens(path: String, reason: String)

        public var description: String {
            switch self {
            case .checkpoint(let e): "\(e)"
            case .file(let e): "\(e)"
            case .badTokens(let path, let reason): "\(path): \(reason)"
            }
        }
    }

    /// Runs the checkpoint on `[batch, pos]` integer tokens (`.npy`), writes `[batch, pos,
    /// d_vocab]` float32 logits to `out` and returns the previous-token loss on those tokens, with
    /// what loading assumed (`Checkpoint.notes`), for the command to print.
    public static func run(checkpoint path: String, options: CheckpointOptions = CheckpointOptions(), tokens tokensPath: String,
                           out: String) throws(Failure) -> (loss: Float, notes: [String]) {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.load(path, options: options) } catch { throw .checkpoint(error) }
        let array: NDArray
        do { array = try NumpyFile.read(tokensPath) } catch { throw .file(error) }
        let c = checkpoint.model.config
        guard array.shape.count == 2, let values = array.integers else {
            throw .badTokens(path: tokensPath, reason: "expected a 2-D integer array [batch, pos], got \(array.dtype) \(array.shape)")
        }
        let (batch, length) = (array.shape[0], array.shape[1])
        guard length >= 1, length <= c.nCtx else {
            throw .badTokens(path: tokensPath, reason: "sequence length \(length) must be in 1...\(c.nCtx)")
        }
        guard values.allSatisfy({ $0 >= 0 && $0 < c.dVocab }) else {
            throw .badTokens(path: tokensPath, reason: "tokens must be in 0..<\(c.dVocab)")
        }
        let tokens = values.map { Int32($0) }
        var targets = [Int32](repeating: 0, count: tokens.count), mask = [Float](repeating: 0, count: tokens.count)
        for b in 0..<batch { for t in 1..<max(1, length) {
            targets[b * length + t] = tokens[b * length + t - 1]; mask[b * length + t] = 1
        } }
        let result = checkpoint.model.run(TokenBatch(batch: batch, length: length, tokens: tokens, targets: targets, lossMask: mask),
                                          cache: .none)
        do { try NumpyFile.write(result.logits, to: out) } catch { throw .file(error) }
        return (result.loss, checkpoint.notes)
    }
}
