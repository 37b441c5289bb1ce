import Foundation
import Analysis
import Tensor
import Transformer

extension ReportData {
    /// Every candidate finding, unranked (see `Finding` for the rule that ranks them).
    public func candidateFindings() throws(AnalysisError) -> [Finding] {
        var findings = [Finding]()
        let uniform = summary.uniformLoss
        findings.append(Finding(
            "The model's mean loss on the evaluation batch is \(ReportNumber.significant(summary.loss)) nats, against \(ReportNumber.significant(uniform)) for uniform guessing over \(model.dVocab - 1) tokens.",
            salience: 0.5 * (1 - summary.loss / uniform)))
        findings += headRoles()
        findings += probeFindings()
        findings += ablationFindings()
        findings += try attributionFindings()
        findings += try causalFindings()
        if let best = summary.compositionMaxima.max(by: { $0.score < $1.score }) {
            let mean = summary.composition.map(\.score).reduce(0, +) / Double(summary.composition.count)
            findings.append(Finding(
                "\(Self.headName(best.laterLayer, best.laterHead)) reads \(Self.headName(best.earlierLayer, best.earlierHead)) most strongly, by \(best.kind.rawValue.uppercased())-composition (score \(MetricText.score(best.score)); mean over all pairs and kinds \(MetricText.score(mean))).",
                salience: best.score))
        }
        for head in summary.heads where head.layer == 0 && head.scores.bos >= 0.3 && head.bosFit.a.isFinite {
            findings.append(Finding(
                "\(Self.headName(head.layer, head.head))'s attention to BOS follows a/(a + i) with a = \(ReportNumber.significant(head.bosFit.a)) (RMS error \(ReportNumber.significant(head.bosFit.rmse))): the share on BOS encodes the position.",
                salience: head.scores.bos * (1 - min(1, 10 * head.bosFit.rmse))))
        }
        for layer in summary.mlp where layer.deadNeurons > 0 {
            let width = model.dMLP ?? 1
            let fraction = Double(layer.deadNeurons) / Double(width)
            findings.append(Finding("\(layer.deadNeurons) of MLP \(layer.layer)'s \(width) neurons never fire on the evaluation batch; the rest fire on \(ReportNumber.percent(layer.firingRate)) of (token, neuron) pairs.",
                                    salience: 0.5 * fraction))
        }
        if let pca = summary.pca.max(by: { Self.firstTwo($0.positionMeanExplainedVarianceRatio) < Self.firstTwo($1.positionMeanExplainedVarianceRatio) }) {
            let share = Self.firstTwo(pca.positionMeanExplainedVarianceRatio)
            findings.append(Finding("The per-position mean of \(pca.stream) is nearly two-dimensional: PC1 and PC2 explain \(ReportNumber.percent(share)) of its variance across positions.",
                                    salience: 0.5 * share))
        }
        if let training = try training(), let first = training.first, let last = training.last, training.count > 1 {
            // A factor, not the last checkpoint's loss: that is the model's loss again, on other sequences.
            findings.append(Finding("Over training the loss fell by a factor of \(ReportNumber.significant(first.loss / last.loss)) between step \(first.step) (\(ReportNumber.significant(first.loss))) and step \(last.step) (each checkpoint scored on \(AnalysisSettings.overTraining.evalSequences) sequences).",
                                    salience: 0.5 * (1 - last.loss / max(first.loss, 1e-9))))
        }
        return findings
    }

    /// One score for every head (layer-major): the mean attention on one key.
    public struct HeadScore: Sendable {
        /// "previous-token", "current-token", "BOS", "k-back".
        public var role: String
        /// The key, as a reader writes it: "i−1", "i", "BOS", "i−k".
        public var key: String
        public var values: [Double]
    }

    /// Previous-token, current-token, BOS and k-back scores of every head, as the analysis
    /// stored them (layer-major), in the order of `HeadRole.Kind`.
    public static func headScores(_ summary: AnalysisSummary, kBack: Int) -> [HeadScore] {
        let kinds: [(role: String, key: String, score: (AnalysisSummary.Head) -> Double)] = [
            ("previous-token", "i−1", { $0.scores.previousToken }), ("current-token", "i", { $0.scores.currentToken }),
            ("BOS", "BOS", { $0.scores.bos }), ("\(kBack)-back", "i−\(kBack)", { $0.kBack?.score ?? .nan }),
        ]
        return kinds.map { kind in HeadScore(role: kind.role, key: kind.key, values: summary.heads.map(kind.score)) }
    }

    /// One finding per role that some head plays (`HeadRole`, as the analysis assigned it).
    func headRoles() -> [Finding] {
        let scores = Self.headScores(summary, kBack: kBack)
        let heads = summary.heads.count
        let members = HeadRole.Kind.allCases.map { kind in summary.heads.indices.filter { summary.heads[$0].role?.kind == kind } }
        var findings = [Finding]()
        for (kind, group) in zip(scores, members) where !group.isEmpty {
            let sorted = group.sorted { kind.values[$0] > kind.values[$1] }
            let names = sorted.map { Self.headName($0 / model.nHeads, $0 % model.nHeads) }
            let shares = sorted.map { MetricText.percent(kind.values[$0]) }
            var sentence = sorted.count == 1
                ? "\(names[0]) is a \(kind.role) head: \(shares[0]) of its attention on \(kind.key)"
                : "\(Self.list(names)) are \(kind.role) heads: \(Self.list(shares)) of their attention on \(kind.key)"
            if let other = (0..<heads).filter({ !group.contains($0) }).max(by: { kind.values[$0] < kind.values[$1] }) {
                sentence += " (next highest: \(Self.headName(other / model.nHeads, other % model.nHeads)), \(MetricText.percent(kind.values[other])))"
            }
            findings.append(Finding(sentence + ".", salience: kind.values[sorted[0]]))
        }
        return findings
    }

    func probeFindings() -> [Finding] {
        let raw = summary.probes.filter { !$0.normalized }
        guard let embedding = raw.first, let best = raw.max(by: { $0.ridgeR2 < $1.ridgeR2 }) else { return [] }
        if best.stream == embedding.stream {
            return [Finding("Position is linearly readable already from the embedding (held-out R² \(ReportNumber.significant(best.ridgeR2))), more than from any later stream.",
                            salience: 0.5 * best.ridgeR2)]
        }
        return [Finding(
            "Position is linearly readable from \(best.stream) (held-out R² \(ReportNumber.significant(best.ridgeR2)), position classified exactly for \(ReportNumber.percent(best.logisticAccuracy)) of tokens), not from the embedding (R² \(ReportNumber.significant(embedding.ridgeR2))).",
            salience: best.ridgeR2 - max(embedding.ridgeR2, 0))]
    }

    /// The largest mean-ablation effect, with the runner-up for scale. The token embedding is left
    /// out: it carries the tokens themselves, so ablating it always ruins the loss and says nothing.
    func ablationFindings() -> [Finding] {
        let base = summary.ablationBaselineLoss
        let ranked = summary.ablations.filter { $0.activation != HookName.embed.name }.sorted { $0.loss > $1.loss }
        guard let top = ranked.first, top.loss > base else { return [] }
        // Increases, not losses: the intact loss of the ablation's sequences would be a second
        // baseline beside the model's mean loss on the page.
        var sentence = "Mean-ablating \(top.activation) raises the loss by \(ReportNumber.significant(top.loss - base)) nats, the largest single effect"
        if ranked.count > 1 { sentence += " (next: \(ranked[1].activation), \(ReportNumber.signed(ranked[1].loss - base)))" }
        return [Finding(sentence + ".", salience: (top.loss - base) / summary.uniformLoss)]
    }

    func attributionFindings() throws(AnalysisError) -> [Finding] {
        let dla = try array(.dla)   // [components, n_ctx]
        let n = dla.shape[1]
        let means = summary.dlaComponents.indices.map { c in (1..<n).map { Double(dla[c, $0]) }.reduce(0, +) / Double(max(n - 1, 1)) }
        let candidates = summary.dlaComponents.indices.filter { summary.dlaComponents[$0] != "bias" }
        let total = candidates.map { abs(means[$0]) }.reduce(0, +)
        guard total > 0, let top = candidates.max(by: { abs(means[$0]) < abs(means[$1]) }) else { return [] }
        var sentence = "\(summary.dlaComponents[top]) writes the most to the correct token's logit directly: \(ReportNumber.signed(means[top])) on average over positions"
        if let next = candidates.filter({ $0 != top }).max(by: { abs(means[$0]) < abs(means[$1]) }) {
            sentence += " (next: \(summary.dlaComponents[next]), \(ReportNumber.signed(means[next])))"
        }
        return [Finding(sentence + ".", salience: abs(means[top]) / total)]
    }

    // MARK: Number formats

    // Numbers: `ReportNumber`, the one format of the page.
    /// "a, b and c".
    static func list(_ items: [String]) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items[items.count - 1]
    }
    static func firstTwo(_ ratios: [Float]) -> Double { Double(ratios.prefix(2).reduce(0, +)) }
}
