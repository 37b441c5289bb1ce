import Foundation
import Analysis
import Plot
import Tensor
import Transformer

/// "Causal tests": activation patching on the task's default corruption, and the logit lens.
extension ReportData {
    /// Patches the model on its task's default corruption into `folder` (the files of
    /// `rederive patch`: the batch, every sweep, summary.json).
    static func patch(_ modelPath: String, into folder: String, settings: AnalysisSettings,
                      progress: (String) -> Void) throws(AnalysisError) -> (folder: String, summary: PatchingSummary) {
        progress("activation patching")
        let patching = PatchingRun.Settings(source: .task(sequences: 64, seed: 0, position: nil),
                                            checkpoint: settings.checkpoint, threads: ComputeThreads.count)
        return (folder, try PatchingRun.run(modelPath, into: folder, settings: patching))
    }

    /// The patching folder's array `name` (normalised when the metrics allow).
    func patchingArray(_ sweep: PatchingSweep) throws(AnalysisError) -> Tensor? {
        guard let patching, patching.summary.sweeps.contains(sweep.rawValue) else { return nil }
        let name = sweep.rawValue + (patching.summary.normalized ? "_normalized" : "")
        do { return try NumpyFile.readTensor(patching.folder + "/\(name).npy") } catch { throw .badInput("\(error)") }
    }

    /// The answer position, when every sequence shares one: positions are then named from it.
    var answerPosition: Int? {
        guard let positions = patching?.summary.answerPositions, positions.count == 1 else { return nil }
        return positions[0]
    }

    /// "p−1 (24)", or "24" when the answers sit at different positions.
    func positionName(_ position: Int) -> String {
        guard let p = answerPosition else { return "\(position)" }
        let offset = position - p
        return (offset == 0 ? "p" : offset < 0 ? "p−\(-offset)" : "p+\(offset)") + " (\(position))"
    }

    func causalSections() throws(AnalysisError) -> [ReportSection] {
        var sections = [ReportSection]()
        if let section = try patchingSection() { sections.append(section) }
        sections.append(try logitLensSection())
        return sections
    }

    // MARK: Activation patching

    func patchingSection() throws(AnalysisError) -> ReportSection? {
        guard let patching else { return nil }
        let s = patching.summary, normalized = s.normalized
        // Positions after the last answer cannot change it (the model is causal): not drawn.
        let shown = min((s.answerPositions.max() ?? 0) + 2, s.positions)
        var bound = 1.0
        var arrays = [PatchingSweep: Tensor]()
        for sweep in PatchingSweep.allCases { if let a = try patchingArray(sweep) { arrays[sweep] = a } }
        for a in arrays.values { bound = max(bound, a.scalars.map { Double(abs($0)) }.filter(\.isFinite).max() ?? 0) }
        let scale = ColorScale(.blueWhiteRed, norm: .centered(at: 0, halfRange: normalized ? bound : nil))
        let label = normalized ? "fraction restored" : "logit difference"
        let layers = (0..<model.nLayers).map { "L\($0)" }
        let tickPositions = Array(stride(from: 0, to: shown, by: shown > 20 ? 5 : 2))
        let ticks = TickSpec.at(tickPositions.map(Double.init), labels: tickPositions.map { String($0) })
        func byPosition(_ sweep: PatchingSweep, _ title: String) -> Panel? {
            guard let a = arrays[sweep] else { return nil }
            var values = [Float]()
            if sweep == .attnHeadOutByPos {   // [layer, pos, head] -> rows L{l}H{h}, columns pos
                for l in 0..<model.nLayers { for h in 0..<model.nHeads { for p in 0..<shown { values.append(a[l, p, h]) } } }
            } else {                          // [layer, pos]
                for l in 0..<a.shape[0] { for p in 0..<shown { values.append(a[l, p]) } }
            }
            let rowLabels = sweep == .attnHeadOutByPos ? headNames : layers
            return Panel(title: title, xLabel: "position", yLabel: sweep == .attnHeadOutByPos ? "head" : "layer",
                         marks: [.heatmap(Matrix(rows: rowLabels.count, columns: shown, values: values), scale: scale, rowLabels: rowLabels)],
                         xTicks: ticks, aspectEqual: false)
        }
        func perHead(_ sweep: PatchingSweep, _ title: String) -> Panel? {
            guard let a = arrays[sweep] else { return nil }
            return Panel(title: title, xLabel: "head", yLabel: "layer",
                         marks: [.heatmap(Matrix(rows: model.nLayers, columns: model.nHeads, values: a.scalars), scale: scale,
                                          annotate: model.nHeads <= 8, decimals: 2, rowLabels: layers,
                                          columnLabels: (0..<model.nHeads).map { "H\($0)" })],
                         aspectEqual: false)
        }
        var top = [byPosition(.residPre, "resid_pre"), byPosition(.attnOut, "attn_out"), byPosition(.mlpOut, "mlp_out")].compactMap { $0 }
        var bottom = [byPosition(.attnHeadOutByPos, "head output by position"), perHead(.attnHeadOutAllPos, "head output (all positions)"),
                      perHead(.attnHeadPatternAllPos, "head pattern (all positions)")].compactMap { $0 }
        top[top.count - 1].colorbar = Colorbar(label: label)
        bottom[bottom.count - 1].colorbar = Colorbar(label: label)
        let rowHeight = max(2.4, 0.35 * Double(max(model.nLayers, headNames.count)) + 1.4)
        let explanation = "Clean and corrupted runs of \(s.sequences) \(task.name) sequences that differ in one token: the token the answer at position "
            + (answerPosition.map { "p = \($0)" } ?? "p") + " must recall is replaced by another. Each cell copies one activation from the clean run into the corrupted one "
            + "(TransformerLens's get_act_patch_* functions) and shows how much of the logit difference, correct − wrong at p, comes back"
            + (normalized ? ": 0 is the corrupted run, 1 the clean one." : ".") + " Positions after p cannot matter and are not drawn."
        return ReportSection(title: "Causal tests: activation patching", explanation: explanation,
                             figure: Figure(size: .inches(13, 2 * rowHeight + 0.6), dpi: 100, grid: [top, bottom]),
                             caption: "Logit difference \(ReportNumber.significant(s.cleanMetric)) clean, \(ReportNumber.significant(s.corruptedMetric)) corrupted"
                                + (normalized ? "" : "; the two are equal, so the arrays are raw (normalisation is undefined)") + ".")
    }

    // MARK: The logit lens

    func logitLensSection() throws(AnalysisError) -> ReportSection {
        let loss = try array("logit_lens.loss.npy"), accuracy = try array("logit_lens.accuracy.npy")   // [stream, pos]
        let streams = HookName.residualStreams(model).map(\.name)
        let labels = streams.map(Self.shortStream)
        // Short labels under the curves, so that neighbours do not run together.
        let ticks = labels.map { $0.replacingOccurrences(of: "resid_", with: "").replacingOccurrences(of: " ", with: "") }
        let (count, n) = (loss.shape[0], loss.shape[1])
        let heatmap = Panel(title: "loss by stream and position", xLabel: "position", yLabel: "residual stream",
                            marks: [.heatmap(Matrix(rows: count, columns: n, values: loss.scalars),
                                             scale: ColorScale(.magma, norm: .linear(min: 0, max: max(summary.uniformLoss, Double(loss.scalars.filter(\.isFinite).max() ?? 0)))),
                                             rowLabels: labels)],
                            xTicks: positionTicks, colorbar: Colorbar(label: "loss (nats)"), aspectEqual: false)
        let x = (0..<count).map(Double.init)
        let meanLoss = (0..<count).map { Self.finiteMean(loss, row: $0) }, meanAccuracy = (0..<count).map { Self.finiteMean(accuracy, row: $0) }
        let curve = Panel(title: "mean over positions", xLabel: "residual stream", yLabel: "top-1 accuracy",
                          marks: [.line(x: x, y: meanAccuracy, label: "accuracy", marker: .circle)],
                          yLimits: 0...1.05, xTicks: .at(x, labels: ticks), legend: .hidden)
        let lossCurve = Panel(title: "mean over positions", xLabel: "residual stream", yLabel: "loss (nats)",
                              marks: [.line(x: x, y: meanLoss, label: "loss", marker: .circle),
                                      Mark.hline(summary.uniformLoss, color: .gray(0.5), width: 1, label: "uniform guess")],
                              yLimits: 0...(max(summary.uniformLoss, meanLoss.filter(\.isFinite).max() ?? 1) * 1.08), xTicks: .at(x, labels: ticks),
                              legend: .hidden)
        let caption = zip(labels, zip(meanLoss, meanAccuracy)).map { "\($0): loss \(ReportNumber.significant($1.0)), accuracy \(ReportNumber.percent($1.1))" }
        return ReportSection(title: "Causal tests: the logit lens", explanation:
            "Each residual stream read as if it were the last: through the final LayerNorm (with the scale the forward computed for the final stream, as TransformerLens's apply_ln_to_stack) and the unembedding, scored against the target at each position. The last stream is the model's own prediction; the dashed line is uniform guessing.",
            figure: Figure(size: .inches(13, max(4.2, 0.3 * Double(count) + 2.4)), dpi: 100, grid: [[heatmap, lossCurve, curve]]),
            caption: caption.joined(separator: "; ") + ".")
    }

    /// The mean of row `row`'s finite values (NaN where there are none).
    static func finiteMean(_ t: Tensor, row: Int) -> Double {
        let n = t.shape[1]
        let values = (0..<n).map { Double(t[row, $0]) }.filter(\.isFinite)
        return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}
