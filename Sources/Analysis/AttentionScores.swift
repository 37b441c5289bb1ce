import Reproducible
import Tensor

/// Summaries of attention patterns: the mean pattern and the standard head scores.
public struct AttentionScores: Sendable, Equatable, Codable {
    /// Mean attention from position i to i − 1, over queries i ≥ 1.
    public var previousToken: Double
    /// Mean attention to position 0 (BOS), over queries i ≥ 1 (query 0 can only attend to BOS).
    public var bos: Double
    /// Mean attention from position i to itself, over queries i ≥ 1.
    public var currentToken: Double

    /// Scores of one head's mean pattern, `[n_ctx (query), n_ctx (key)]`.
    public init(meanPattern pattern: Tensor) {
        let n = pattern.shape[0]
        var previous = 0.0, bos = 0.0, current = 0.0
        for query in 1..<max(n, 1) {
            previous += Double(pattern[query, query - 1])
            bos += Double(pattern[query, 0])
            current += Double(pattern[query, query])
        }
        let count = Double(max(n - 1, 1))
        self.previousToken = previous / count
        self.bos = bos / count
        self.currentToken = current / count
    }

    /// The mean over the batch of patterns `[batch, heads, q, k]`: `[heads, q, k]`.
    public static func meanPatterns(_ patterns: Tensor) -> Tensor {
        patterns.meanOverFirstAxis()
    }
}

/// The positional code of layer 0: attention to BOS at query position i, fitted by a/(a + i).
///
/// A head that gives BOS a score `ln a` above every other (equal) key attends to BOS with weight
/// a/(a + i) at position i, which is the mechanism the study describes (a ≈ 8).
public struct BOSAttentionFit: Sendable, Equatable, Codable {
    public var a: Double
    /// Root-mean-square error of the fit over positions 1..<n.
    public var rmse: Double

    /// Fits `a` by least squares over positions 1..<n (position 0 always attends to BOS) with a
    /// golden-section search on log a, which is unimodal for this one-parameter family: a fixed
    /// 100 iterations narrow [1e-3, 1e4] far below float precision, so it always ends.
    public init(bosAttention: [Float]) throws(AnalysisError) {
        if let bad = bosAttention.firstIndex(where: { !$0.isFinite }) {
            throw .notConverged(what: "the fit of attention to BOS by a/(a + i)", iterations: 0,
                                reason: "the attention at position \(bad) is \(bosAttention[bad])")
        }
        let points = bosAttention.enumerated().dropFirst().map { (Double($0.offset), Double($0.element)) }
        func loss(_ logA: Double) -> Double {
            let a = ReproducibleMath.exp(logA)
            return points.reduce(0) { let r = a / (a + $1.0) - $1.1; return $0 + r * r }
        }
        var (low, high) = (ReproducibleMath.log(1e-3), ReproducibleMath.log(1e4))
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<100 {
            let m1 = high - ratio * (high - low), m2 = low + ratio * (high - low)
            if loss(m1) < loss(m2) { high = m2 } else { low = m1 }
        }
        let best = (low + high) / 2
        a = ReproducibleMath.exp(best)
        rmse = points.isEmpty ? 0 : (loss(best) / Double(points.count)).squareRoot()
    }

    public func predicted(at position: Int) -> Double { a / (a + Double(position)) }
}

import Foundation
