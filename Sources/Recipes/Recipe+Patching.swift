import Analysis
import Foundation
import Plot
import Tensor

extension Recipe {
    /// Activation patching of the study model on its task's corruption: how much of the answer
    /// each activation restores, by layer and by position around the answer, and per head.
    public static let activationPatching = Recipe(name: "activation_patching", title: "Where patching restores the answer",
                                                  needs: .patching) { runs throws(RecipeError) in
        let name = "activation_patching"
        let patchings = try runs.studyPatchings(for: name)
        let main = patchings[0]
        let (p, c) = try main.positions(for: name)
        let s = main.summary, (layers, heads) = (main.config.nLayers, main.config.nHeads)
        // The positions around the corrupted one and the answer; the others cannot change the
        // answer (before the corruption) or are never read by it (after the answer).
        let shown = Array(max(0, min(c, p) - 2)...min(s.positions - 1, max(c, p) + 1))
        // resid_pre, attn_out and mlp_out (with an MLP) by layer and position; the head sweeps.
        let sweeps = [PatchingSweep.residPre, .attnOut] + (main.config.dMLP != nil ? [.mlpOut] : [])
        let byLayer = try sweeps.map { sweep throws(RecipeError) in (sweep, try main.array(sweep)) }

        // Rows in the order of the forward: each layer's stream, attention, MLP.
        var rowLabels = [String](), values = [Float]()
        for l in 0..<layers {
            for (sweep, a) in byLayer {
                rowLabels.append("L\(l) \(sweep.rawValue)")
                values += shown.map { a[l, $0] + 0 }   // + 0: no "−0.00"
            }
        }
        let bound = Double(values.map(abs).max() ?? 0)
        let scale = ColorScale(.blueWhiteRed, norm: .centered(at: 0, halfRange: max(1, bound)))
        let label = s.normalized ? "fraction restored" : "logit difference"
        let columnLabels = shown.map { PatchingFigure.offsetName($0 - p) }
        let grid = Panel(title: "By layer and position", xLabel: "position (answer at p)",
                         marks: [.heatmap(Matrix(rows: rowLabels.count, columns: shown.count, values: values), scale: scale,
                                          annotate: true, decimals: 2, rowLabels: rowLabels, columnLabels: columnLabels)],
                         colorbar: Colorbar(label: label), aspectEqual: false)

        let headLabels = (0..<layers).flatMap { l in (0..<heads).map { "L\(l)H\($0)" } }
        let byPosition = try main.array(.attnHeadOutByPos), allPositions = try main.array(.attnHeadOutAllPos)
        let pattern = try main.array(.attnHeadPatternAllPos)
        func perHead(_ value: (Int, Int) -> Float) -> [Double] { (0..<layers).flatMap { l in (0..<heads).map { Double(value(l, $0)) } } }
        let series = [perHead { byPosition[$0, c, $1] }, perHead { byPosition[$0, p, $1] },
                      perHead { allPositions[$0, $1] }, perHead { pattern[$0, $1] }]
        let names = ["output at \(PatchingFigure.offsetName(c - p))", "output at p", "output, all positions", "pattern, all positions"]
        let top = max(1, series.flatMap { $0 }.max() ?? 0), bottom = min(0, series.flatMap { $0 }.min() ?? 0)
        // The colour bar beside the heatmap names the unit for both panels. The room above the
        // bars is for the legend, in the talk style too.
        let bars = Panel(title: "By head",
                         marks: Mark.groupedBars(series: series, labels: names) + [.hline(0, color: .gray(0.3), width: 0.8, dash: .solid)],
                         yLimits: (bottom - 0.05 * (top - bottom))...(top + 0.6 * (top - bottom)),
                         xTicks: .at(headLabels.indices.map(Double.init), labels: headLabels), legend: .upperRight)
        // Layer 0's attention output at the answer, in every seed patched.
        let seeds = try patchings.map { run throws(RecipeError) in
            (seed: run.config.seed, atAnswer: try run.array(.attnOut)[0, try run.positions(for: name).answer], normalized: run.summary.normalized)
        }
        let caption = PatchingFigure.caption(s, attnOut: try main.array(.attnOut), strongest: PatchingFigure.strongest(byLayer.filter { $0.0 != .residPre }, answer: p),
                                             seeds: seeds, answer: p, corrupted: c)
        return RecipeOutput(figure: Figure(size: .inches(11, 4.6), grid: [[grid, bars]]), caption: caption)
    }
}

/// The words of the patching figure.
enum PatchingFigure {
    /// "p", "p−1", "p+1".
    static func offsetName(_ offset: Int) -> String {
        offset == 0 ? "p" : offset < 0 ? "p−\(-offset)" : "p+\(offset)"
    }

    /// A restored fraction as a percentage, or a raw logit difference when the metrics were equal.
    static func amount(_ value: Float, normalized: Bool) -> String {
        normalized ? RecipeSupport.percent(Double(value)) : RecipeSupport.format(Double(value))
    }

    /// Where the answer is restored, with the numbers of the main run (`summary`, its attn_out
    /// sweep and its strongest patch), and layer 0's attention output at the answer in each seed.
    static func caption(_ s: PatchingSummary, attnOut: Tensor, strongest best: (name: String, value: Float)?,
                        seeds: [(seed: Int, atAnswer: Float, normalized: Bool)], answer p: Int, corrupted c: Int) -> String {
        let normalized = s.normalized, here = attnOut[0, p], there = attnOut[0, c]
        let corruptedName = offsetName(c - p)
        // Only sentences with numbers stay on a slide (`SlideDeck`): the method's has none.
        var text = "Only the token at \(corruptedName) differs (p = \(p), \(s.sequences) sequences; logit difference correct − wrong at p "
            + "\(RecipeSupport.format(s.cleanMetric)) clean, \(RecipeSupport.format(s.corruptedMetric)) corrupted). "
            + "Each patch copies one activation from the clean run into the corrupted one; the cells and bars show "
            + (normalized ? "the fraction of that difference it restores. " : "the logit difference, raw, since the clean and corrupted ones are equal. ")
        text += "Layer 0's attention output restores \(amount(here, normalized: normalized)) at p"
            + (here > there ? ", where layer 0's attention writes the token it reads," : "")
            + " and \(amount(there, normalized: normalized)) at \(corruptedName)" + (here > there ? ", where the corrupted token stays" : "")
        if seeds.count > 1 {
            text += " (seeds " + seeds.map { String($0.seed) }.joined(separator: ", ") + ": "
                + seeds.map { amount($0.atAnswer, normalized: $0.normalized) }.joined(separator: ", ") + " at p)"
        }
        text += "."
        if let best {
            text += " Strongest patch: \(best.name) (\(amount(best.value, normalized: normalized)))."
        }
        return text
    }

    /// The largest restoring patch of a layer's attention or MLP output at one position (the
    /// residual stream left out: patching the corrupted token's own stream restores everything).
    static func strongest(_ arrays: [(PatchingSweep, Tensor)], answer p: Int) -> (name: String, value: Float)? {
        var best: (name: String, value: Float)?
        for (sweep, a) in arrays {
            for l in 0..<a.shape[0] {
                for position in 0..<a.shape[1] where a[l, position] > (best?.value ?? -.infinity) {
                    best = ("\(sweep.hook(l).name) at \(offsetName(position - p))", a[l, position])
                }
            }
        }
        return best
    }
}
