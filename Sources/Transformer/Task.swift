import Tensor

/// A source of training batches: fresh sequences from a seeded generator every step.
///
/// Tasks draw only from the generator they are given, so a run's batches are fixed by its seed,
/// and saving the generator's state is enough to resume them exactly.
public protocol Task: Sendable {
    /// A short name, as written in configs (`task:`).
    var name: String { get }
    /// Refills `batch` in place (same shape), so the training loop allocates nothing.
    func fill(_ batch: inout TokenBatch, vocabulary: Int, generator: inout RandomGenerator)
}

extension Task {
    /// A new batch of `batch` sequences of `length` tokens.
    public func makeBatch(batch: Int, length: Int, vocabulary: Int, generator: inout RandomGenerator) -> TokenBatch {
        let zeros = [Int32](repeating: 0, count: batch * length)
        var out = TokenBatch(batch: batch, length: length, tokens: zeros, targets: zeros,
                             lossMask: [Float](repeating: 0, count: batch * length))
        fill(&out, vocabulary: vocabulary, generator: &generator)
        return out
    }
}

/// The tasks a config can name.
public enum TaskKind: Equatable, Sendable {
    /// Predict the previous token (the study).
    case previousToken
    /// Predict the token `k` positions back.
    case kBack(Int)

    /// Parses `previous_token` or `k_back:K`.
    public init?(name: String) {
        if name == "previous_token" { self = .previousToken; return }
        let prefix = "k_back:"
        if name.hasPrefix(prefix), let k = Int(name.dropFirst(prefix.count)), k >= 1 { self = .kBack(k); return }
        return nil
    }

    public var name: String {
        switch self {
        case .previousToken: "previous_token"
        case .kBack(let k): "k_back:\(k)"
        }
    }

    public var task: any Task {
        switch self {
        case .previousToken: PreviousTokenTask()
        case .kBack(let k): KBackTask(k: k)
        }
    }
}

/// Fills `[batch, length]` tokens: position 0 is BOS (token 0), the rest uniform in
/// `1..<vocabulary`, drawn row by row. Shared by the tasks so that their inputs agree.
func fillRandomSequences(_ tokens: inout [Int32], batch: Int, length: Int, vocabulary: Int, generator: inout RandomGenerator) {
    for b in 0..<batch {
        tokens[b * length] = 0
        for t in 1..<max(1, length) {
            tokens[b * length + t] = Int32(1 + generator.nextInt(below: vocabulary - 1))
        }
    }
}

/// The study's task: at position t > 0 predict token t - 1; position 0 (BOS) does not count.
/// The loss is the mean over the `length - 1` counted positions, as in
/// `cross_entropy(logits[:, 1:], tokens[:, :-1])`.
public struct PreviousTokenTask: Task {
    public init() {}
    public var name: String { "previous_token" }
    public func fill(_ batch: inout TokenBatch, vocabulary: Int, generator: inout RandomGenerator) {
        KBackTask(k: 1).fill(&batch, vocabulary: vocabulary, generator: &generator)
    }
}

/// Predict the token `k` positions back; positions before `k` do not count. A harder variant of
/// the study: the model must re-derive relative position `k`, not just "previous".
public struct KBackTask: Task {
    public var k: Int
    public init(k: Int) { precondition(k >= 1, "k must be at least 1"); self.k = k }
    public var name: String { k == 1 ? "previous_token" : "k_back:\(k)" }
    public func fill(_ out: inout TokenBatch, vocabulary: Int, generator: inout RandomGenerator) {
        let (batch, length) = (out.batch, out.length)
        fillRandomSequences(&out.tokens, batch: batch, length: length, vocabulary: vocabulary, generator: &generator)
        for b in 0..<batch {
            for t in 0..<length {
                let counted = t >= k
                out.targets[b * length + t] = counted ? out.tokens[b * length + t - k] : 0
                out.lossMask[b * length + t] = counted ? 1 : 0
            }
        }
    }
}
