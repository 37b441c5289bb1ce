import Analysis
import Plot
import Recipes
import Tensor

/// The report's sections about heads: patterns, scores, circuits and composition.
extension ReportRecipes {
    static let attention = Recipe(name: "report_attention", title: "Attention patterns") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_attention"), model = page.model
        let patterns = try (0..<model.nLayers).map { l throws(RecipeError) in try page.run.array(.pattern(layer: l)) }
        let grid = try page.headGrid { l, h throws(RecipeError) in
            Panel(title: ReportData.headName(l, h), xLabel: "key", yLabel: "query",
                  marks: [.heatmap(RecipeSupport.matrix(patterns[l][slice: h]), scale: ColorScale(.viridis, norm: .linear(min: 0, max: 1)))],
                  xTicks: page.positionTicks, yTicks: page.positionTicks, colorbar: h == model.nHeads - 1 || (h + 1) % 4 == 0 ? Colorbar(label: "attention") : nil)
        }
        return RecipeOutput(figure: page.gridFigure(grid), caption: "", explanation:
            "The mean attention pattern of every head over the \(page.summary.evalSequences) evaluation sequences: row i is where query position i looks. A diagonal just below the main one is a previous-token head; a bright first column is attention to BOS.")
    }

    static let headScores = Recipe(name: "report_head_scores", title: "Head scores") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_head_scores"), model = page.model
        var panels = [Panel]()
        var lines = [String]()
        for score in ReportData.headScores(page.summary, kBack: page.kBack) {
            let label = "\(score.role) (\(score.key))"
            panels.append(Panel(title: label, xLabel: "head", yLabel: "layer",
                                marks: [.heatmap(Matrix(rows: model.nLayers, columns: model.nHeads, values: score.values),
                                                 scale: ColorScale(.viridis, norm: .linear(min: 0, max: 1)),
                                                 annotate: model.nHeads <= 8, decimals: 2,
                                                 rowLabels: (0..<model.nLayers).map { "L\($0)" }, columnLabels: (0..<model.nHeads).map { "H\($0)" })]))
            if let top = score.values.indices.max(by: { score.values[$0] < score.values[$1] }) {
                lines.append("\(label): highest \(page.headNames[top]) \(MetricText.percent(score.values[top]))")
            }
        }
        panels[panels.count - 1].colorbar = Colorbar(label: "mean attention")
        let width = max(Double(model.nHeads) * 0.45 + 1.2, 2.4)
        return RecipeOutput(
            figure: Figure(size: .inches(min(4 * width + 0.8, 16), max(1.4 + 0.45 * Double(model.nLayers), 2.4) + 0.6), dpi: 100, grid: [panels]),
            caption: lines.joined(separator: "; ") + ".", explanation:
            "Each head's mean attention, over queries i, on one key: the previous token, the current token, BOS, and the token \(page.kBack) back. One heatmap per score, layers down and heads across.")
    }

    static let positionalQK = Recipe(name: "report_qk_positions", title: "QK circuits (positional)") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_qk_positions")
        let grid = try page.circuitGrid(AnalysisFolder.Array.qkPositions, x: "key position", y: "query position", positions: true, colorbar: "score")
        return RecipeOutput(figure: page.gridFigure(grid, panelWidth: 3.3), caption: "", explanation:
            "The attention score each head gives between the mean residual stream (after LayerNorm) at a query position and at a key position, before the causal mask: the positional part of its QK circuit.")
    }

    static let tokenQK = Recipe(name: "report_qk_tokens", title: "QK circuits (tokens)") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_qk_tokens")
        let grid = try page.circuitGrid(AnalysisFolder.Array.qkTokens, x: "key token", y: "query token", colorbar: "score")
        return RecipeOutput(figure: page.gridFigure(grid, panelWidth: 3.3), caption: "", explanation:
            "The token part of each head's QK circuit, W_E W_Q W_Kᵀ W_Eᵀ: how much a query token wants to attend to a key token, whatever their positions.")
    }

    static let ov = Recipe(name: "report_ov", title: "OV circuits") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_ov")
        let grid = try page.circuitGrid(AnalysisFolder.Array.ovTokens, x: "output token", y: "input token", colorbar: "logit")
        let lines = page.summary.heads.map { head in
            "\(ReportData.headName(head.layer, head.head)) copies (its OV ranks a token's own logit above every other token's, BOS aside) for "
                + "\(MetricText.percent(head.copying.share)) of tokens (chance \(MetricText.percent(head.copying.chance)))"
        }
        return RecipeOutput(figure: page.gridFigure(grid, panelWidth: 3.3), caption: lines.joined(separator: "; ") + ".", explanation:
            "What each head writes to the logits when it attends to a token: W_E W_V W_O W_U, input token down, output token across. A bright diagonal is a copying head.")
    }

    /// Earlier heads (layers 0 to L − 2) down, later heads (layers 1 to L − 1) across.
    static let composition = Recipe(name: "report_composition", title: "Composition scores") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_composition"), model = page.model, summary = page.summary
        let h = model.nHeads, headNames = page.headNames
        let writers = Array(headNames.prefix((model.nLayers - 1) * h)), readers = Array(headNames.dropFirst(h))
        // Many heads: label only each layer's first column, so that labels do not overlap.
        let columnLabels = readers.count > 12 ? readers.enumerated().map { $0.offset % h == 0 ? $0.element : "" } : readers
        var panels = [Panel]()
        // One colour bar serves the three panels, so one scale must too: the largest score of all.
        let scale = ColorScale(.viridis, norm: .linear(min: 0, max: summary.compositionMaxima.map(\.score).filter(\.isFinite).max() ?? 1))
        for kind in CompositionScore.Kind.allCases {
            var values = [Double](repeating: .nan, count: writers.count * readers.count)
            for entry in summary.composition where entry.kind == kind {
                let row = entry.earlierLayer * h + entry.earlierHead, column = (entry.laterLayer - 1) * h + entry.laterHead
                values[row * readers.count + column] = entry.score
            }
            panels.append(Panel(title: "\(kind.rawValue.uppercased())-composition", xLabel: "later head (reads)", yLabel: "earlier head (writes)",
                                marks: [.heatmap(Matrix(rows: writers.count, columns: readers.count, values: values), scale: scale,
                                                 annotate: readers.count <= 8, decimals: 2, rowLabels: writers, columnLabels: columnLabels)]))
        }
        panels[2].colorbar = Colorbar(label: "score")
        let side = min(max(Double(readers.count) * 0.5 + 1.6, 3), 5.2)
        return RecipeOutput(figure: Figure(size: .inches(3 * side + 0.8, side * Double(writers.count) / Double(readers.count) + 1), dpi: 100, grid: [panels]),
                            caption: "", explanation:
            "How much each later head reads what each earlier head writes, through its query (Q), key (K) or value (V): ‖W_OV W‖_F / (‖W_OV‖_F ‖W‖_F). Blank cells are pairs in the wrong order.")
    }
}
