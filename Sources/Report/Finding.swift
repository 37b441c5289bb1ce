import Foundation
import Analysis

/// One sentence of "what sticks", with the salience it is ranked by.
///
/// The ranking rule: every candidate gets a salience in [0, 1] that says how strong the effect is
/// on its own scale, and the report shows the candidates in decreasing salience (ties keep the
/// order below), at most 10, and at least 5 when there are that many:
/// - a head's role (previous-token, current-token, BOS, k-back): the fraction of its attention on
///   that key (shown when ≥ 0.4);
/// - position readable from a residual stream: the held-out ridge R² gained over the embedding;
/// - the largest mean ablation (the token embedding aside): the loss it adds, as a fraction of the
///   uniform-guess loss ln(d_vocab − 1);
/// - direct logit attribution: the top component's share of all components' |attribution|;
/// - activation patching: the fraction of the logit difference that the strongest single patch
///   restores (a layer's attention or MLP output at one position, or one head); patching the
///   residual stream is left out, since patching the corrupted token's own stream restores
///   everything and says nothing; only when the corruption moves the logit difference by at
///   least 1;
/// - the logit lens: half the top-1 accuracy of the earliest stream that predicts the target
///   (context);
/// - composition: the strongest score between two heads;
/// - a BOS position code (a/(a + i) fit): the BOS score times (1 − 10 × RMS error);
/// - the loss against uniform guessing, the PCA of the per-position means, dead MLP neurons and
///   the change over training: half their fraction (context, ranked below strong effects).
public struct Finding: Sendable, Equatable {
    public var sentence: String
    public var salience: Double

    public init(_ sentence: String, salience: Double) {
        self.sentence = sentence
        self.salience = salience.isFinite ? min(max(salience, 0), 1) : 0
    }

    /// The findings to show, ranked as the type's documentation says.
    public static func ranked(_ candidates: [Finding], limit: Int = 10, minimum: Int = 5) -> [Finding] {
        let sorted = candidates.enumerated().sorted { a, b in
            a.element.salience != b.element.salience ? a.element.salience > b.element.salience : a.offset < b.offset
        }.map(\.element)
        let strong = sorted.filter { $0.salience >= 0.05 }
        return Array(sorted.prefix(min(limit, max(minimum, strong.count))))
    }
}
