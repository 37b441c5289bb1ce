import Tensor
import Transformer

/// What a head mostly attends to, as summary.json states it once for the figures and the report:
/// the strongest of its previous-token, current-token, BOS and k-back scores, when that key takes
/// at least 40% of its attention (on a tie, the earlier kind in that order).
public struct HeadRole: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case previousToken = "previous-token", currentToken = "current-token", bos = "BOS", kBack = "k-back"
    }

    public var kind: Kind
    /// The head's mean attention on that key.
    public var share: Double

    /// The least share of attention on one key that makes it the head's role.
    public static let threshold = 0.4

    /// The role of a head with these scores, or nil when no key reaches `threshold`.
    public init?(scores: AttentionScores, kBack: KBackScore?) {
        let candidates: [(Kind, Double)] = [(.previousToken, scores.previousToken), (.currentToken, scores.currentToken),
                                            (.bos, scores.bos), (.kBack, kBack?.score ?? -.infinity)]
        guard let best = candidates.max(by: { $0.1 < $1.1 }), best.1 >= Self.threshold else { return nil }
        (kind, share) = best
    }
}

/// A head's mean attention on the token `k` back: from query i to i − k, over queries i ≥ max(k, 1).
public struct KBackScore: Codable, Sendable, Equatable {
    public var k: Int
    public var score: Double

    /// The score of one head's mean pattern `[n_ctx (query), n_ctx (key)]`, or nil when `k` is
    /// outside the context.
    public init?(meanPattern pattern: Tensor, k: Int) {
        let n = pattern.shape[0]
        guard k >= 0, k < n else { return nil }
        var total = 0.0
        for query in max(k, 1)..<n { total += Double(pattern[query, query - k]) }
        self.k = k
        score = total / Double(n - max(k, 1))
    }

    /// The offset a head's k-back score looks at: the task's k, or 2 for the previous-token
    /// task (whose k = 1 is the previous-token score itself).
    public static func offset(task: TaskKind, nCtx: Int) -> Int {
        if case .kBack(let k) = task, k > 1 { return k }
        return min(2, nCtx - 1)
    }
}
