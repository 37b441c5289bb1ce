import Foundation
import Analysis
import Tensor
import Transformer

extension ReportData {
    /// Findings from the causal tests: the strongest single patch (see `Finding` for its
    /// salience), where the answer sits in the residual stream entering the last layer, and the
    /// first stream the logit lens reads the answer from.
    func causalFindings() throws(AnalysisError) -> [Finding] {
        var findings = [Finding]()
        // Patching says something only where the corruption moved the answer: at least one
        // logit (an e-fold change in its odds) towards the wrong token.
        if let patching, patching.summary.normalized, patching.summary.cleanMetric - patching.summary.corruptedMetric >= 1 {
            if let top = try strongestPatch() {
                let s = patching.summary
                findings.append(Finding(
                    "Patching \(top.what) restores \(ReportNumber.percent(Double(top.value))) of the logit difference (clean \(ReportNumber.significant(s.cleanMetric)), corrupted \(ReportNumber.significant(s.corruptedMetric)))"
                        + (top.runnerUp.map { "; next: \($0.what), \(ReportNumber.percent(Double($0.value)))" } ?? "") + ".",
                    salience: Double(top.value)))
            }
            if let finding = try residualFinding() { findings.append(finding) }
        }
        if let finding = try logitLensFinding() { findings.append(finding) }
        return findings
    }

    /// The largest restoring patch of a layer's attention or MLP output at one position, or of
    /// one head (at one position, at all, or its pattern), with the runner-up from elsewhere.
    func strongestPatch() throws(AnalysisError) -> (what: String, value: Float, runnerUp: (what: String, value: Float)?)? {
        var candidates = [(what: String, value: Float)]()
        for sweep in [PatchingSweep.attnOut, .mlpOut] {
            guard let a = try patchingArray(sweep) else { continue }   // [layer, pos]
            for l in 0..<a.shape[0] {
                for p in 0..<a.shape[1] { candidates.append(("\(sweep.hook(l).name) at position \(positionName(p))", a[l, p])) }
            }
        }
        if let a = try patchingArray(.attnHeadOutByPos) {             // [layer, pos, head]
            for l in 0..<a.shape[0] {
                for p in 0..<a.shape[1] {
                    for h in 0..<a.shape[2] { candidates.append(("\(Self.headName(l, h))'s output at position \(positionName(p))", a[l, p, h])) }
                }
            }
        }
        for (sweep, what) in [(PatchingSweep.attnHeadOutAllPos, "output at every position"), (.attnHeadPatternAllPos, "attention pattern")] {
            guard let a = try patchingArray(sweep) else { continue }   // [layer, head]
            for l in 0..<a.shape[0] { for h in 0..<a.shape[1] { candidates.append(("\(Self.headName(l, h))'s \(what)", a[l, h])) } }
        }
        guard let best = candidates.indices.filter({ candidates[$0].value.isFinite }).max(by: { candidates[$0].value < candidates[$1].value }) else { return nil }
        // The runner-up from a different layer or kind, so that it is not the same effect again.
        let prefix = candidates[best].what.prefix(8)
        let other = candidates.indices.filter { $0 != best && candidates[$0].value.isFinite && !candidates[$0].what.hasPrefix(prefix) }
            .max { candidates[$0].value < candidates[$1].value }
        return (candidates[best].what, candidates[best].value, other.map { candidates[$0] })
    }

    /// Where the answer sits entering the last layer: the position whose residual stream
    /// restores the most there (context, so ranked at half its fraction).
    func residualFinding() throws(AnalysisError) -> Finding? {
        guard model.nLayers > 1, let a = try patchingArray(.residPre) else { return nil }
        let l = model.nLayers - 1, n = a.shape[1]
        guard let p = (0..<n).max(by: { a[l, $0] < a[l, $1] }) else { return nil }
        return Finding("Entering layer \(l), the answer's information sits at position \(positionName(p)): patching \(HookName.residPre(l).name) there restores \(ReportNumber.percent(Double(a[l, p]))) of the logit difference.",
                       salience: 0.5 * Double(a[l, p]))
    }

    /// The earliest residual stream whose logit-lens accuracy reaches 90% of the final stream's.
    func logitLensFinding() throws(AnalysisError) -> Finding? {
        let accuracy = try array(.logitLensAccuracy)
        let streams = HookName.residualStreams(model).map(\.name)
        let means = streams.indices.map { ReportPage.finiteMean(accuracy, row: $0) }
        guard let final = means.last, final.isFinite, final > 0,
              let first = means.firstIndex(where: { $0 >= 0.9 * final }) else { return nil }
        let before = first > 0 ? " (\(streams[first - 1]): \(ReportNumber.percent(means[first - 1])))" : ""
        return Finding("Read through the unembedding (the logit lens), the residual stream first predicts the target at \(streams[first]): top-1 accuracy \(ReportNumber.percent(means[first])) against \(ReportNumber.percent(final)) at the output\(before).",
                       salience: 0.5 * means[first])
    }
}
