import Foundation
import Analysis
import Plot
import Recipes
import Tensor
import Transformer

/// "Causal tests": activation patching on the task's default corruption, and the logit lens.
extension ReportData {
    /// Patches the model on its task's default corruption into `folder` (the files of
    /// `rederive patch`: the batch, every sweep, summary.json).
    static func patch(_ modelPath: String, into folder: String, settings: AnalysisSettings,
                      progress: (String) -> Void) throws(AnalysisError) {
        progress("activation patching")
        let patching = PatchingRun.Settings(source: .task(sequences: 64, seed: 0, position: nil),
                                            checkpoint: settings.checkpoint, threads: ComputeThreads.count)
        try PatchingRun.run(modelPath, into: folder, settings: patching)
    }

    /// The patching's array of `sweep` (normalised when the metrics allow), nil when it was not swept.
    func patchingArray(_ sweep: PatchingSweep) throws(AnalysisError) -> Tensor? {
        do { return try patching.flatMap { patching throws(RecipeError) in try ReportPage.sweep(sweep, of: patching) } } catch {
            throw .badInput("\(error)")
        }
    }

    /// "p−1 (24)", or "24" when the answers sit at different positions.
    func positionName(_ position: Int) -> String { ReportPage.positionName(position, answer: patching.flatMap(ReportPage.answerPosition)) }
}

extension ReportPage {
    /// The patching's array of `sweep`, nil when it was not swept.
    static func sweep(_ sweep: PatchingSweep, of patching: PatchedRun) throws(RecipeError) -> Tensor? {
        patching.summary.sweeps.contains(sweep.rawValue) ? try patching.array(sweep) : nil
    }

    /// The answer position, when every sequence shares one: positions are then named from it.
    static func answerPosition(_ patching: PatchedRun) -> Int? {
        let positions = patching.summary.answerPositions
        return positions.count == 1 ? positions[0] : nil
    }

    /// "p−1 (24)", or "24" when the answers sit at different positions.
    static func positionName(_ position: Int, answer: Int?) -> String {
        guard let p = answer else { return "\(position)" }
        let offset = position - p
        return (offset == 0 ? "p" : offset < 0 ? "p−\(-offset)" : "p+\(offset)") + " (\(position))"
    }
}

extension ReportRecipes {
    // MARK: Activation patching

    static let patching = Recipe(name: "report_patching", title: "Causal tests: activation patching", needs: .patching) { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_patching"), model = page.model, headNames = page.headNames
        guard let patching = page.patching else { throw .missingRuns(recipe: "report_patching", need: "the model's patching") }
        let s = patching.summary, normalized = s.normalized, answerPosition = ReportPage.answerPosition(patching)
        // Positions after the last answer cannot change it (the model is causal): not drawn.
        let shown = min((s.answerPositions.max() ?? 0) + 2, s.positions)
        var bound = 1.0
        var arrays = [PatchingSweep: Tensor]()
        for sweep in PatchingSweep.allCases { if let a = try ReportPage.sweep(sweep, of: patching) { arrays[sweep] = a } }
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
        let explanation = "Clean and corrupted runs of \(s.sequences) \(page.run.analysis.config.task.name) sequences that differ in one token: the token the answer at position "
            + (answerPosition.map { "p = \($0)" } ?? "p") + " must recall is replaced by another. Each cell copies one activation from the clean run into the corrupted one "
            + "(TransformerLens's get_act_patch_* functions) and shows how much of the logit difference, correct − wrong at p, comes back"
            + (normalized ? ": 0 is the corrupted run, 1 the clean one." : ".") + " Positions after p cannot matter and are not drawn."
        return RecipeOutput(figure: Figure(size: .inches(13, 2 * rowHeight + 0.6), dpi: 100, grid: [top, bottom]),
                            caption: "Logit difference \(ReportNumber.significant(s.cleanMetric)) clean, \(ReportNumber.significant(s.corruptedMetric)) corrupted"
                                + (normalized ? "" : "; the two are equal, so the arrays are raw (normalisation is undefined)") + ".",
                            explanation: explanation)
    }

    // MARK: The logit lens

    static let logitLens = Recipe(name: "report_logit_lens", title: "Causal tests: the logit lens") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_logit_lens"), summary = page.summary
        let loss = try page.run.array(.logitLensLoss), accuracy = try page.run.array(.logitLensAccuracy)   // [stream, pos]
        let labels = HookName.residualStreams(page.model).map { ReportPage.shortStream($0.name) }
        // Short labels under the curves, so that neighbours do not run together.
        let ticks = labels.map { $0.replacingOccurrences(of: "resid_", with: "").replacingOccurrences(of: " ", with: "") }
        let (count, n) = (loss.shape[0], loss.shape[1])
        let heatmap = Panel(title: "loss by stream and position", xLabel: "position", yLabel: "residual stream",
                            marks: [.heatmap(Matrix(rows: count, columns: n, values: loss.scalars),
                                             scale: ColorScale(.magma, norm: .linear(min: 0, max: max(summary.uniformLoss, Double(loss.scalars.filter(\.isFinite).max() ?? 0)))),
                                             rowLabels: labels)],
                            xTicks: page.positionTicks, colorbar: Colorbar(label: "loss (nats)"), aspectEqual: false)
        let x = (0..<count).map(Double.init)
        let meanLoss = (0..<count).map { ReportPage.finiteMean(loss, row: $0) }, meanAccuracy = (0..<count).map { ReportPage.finiteMean(accuracy, row: $0) }
        let curve = Panel(title: "mean over positions", xLabel: "residual stream", yLabel: "top-1 accuracy",
                          marks: [.line(x: x, y: meanAccuracy, label: "accuracy", marker: .circle)],
                          yLimits: 0...1.05, xTicks: .at(x, labels: ticks), legend: .hidden)
        let lossCurve = Panel(title: "mean over positions", xLabel: "residual stream", yLabel: "loss (nats)",
                              marks: [.line(x: x, y: meanLoss, label: "loss", marker: .circle),
                                      Mark.hline(summary.uniformLoss, color: .gray(0.5), width: 1, label: "uniform guess")],
                              yLimits: 0...(max(summary.uniformLoss, meanLoss.filter(\.isFinite).max() ?? 1) * 1.08), xTicks: .at(x, labels: ticks),
                              legend: .hidden)
        let caption = zip(labels, zip(meanLoss, meanAccuracy)).map { "\($0): loss \(ReportNumber.significant($1.0)), accuracy \(ReportNumber.percent($1.1))" }
        return RecipeOutput(figure: Figure(size: .inches(13, max(4.2, 0.3 * Double(count) + 2.4)), dpi: 100, grid: [[heatmap, lossCurve, curve]]),
                            caption: caption.joined(separator: "; ") + ".", explanation:
            "Each residual stream read as if it were the last: through the final LayerNorm (with the scale the forward computed for the final stream, as TransformerLens's apply_ln_to_stack) and the unembedding, scored against the target at each position. The last stream is the model's own prediction; the dashed line is uniform guessing.")
    }
}
