import Foundation
import Analysis
import Plot
import Tensor
import Transformer

extension ReportData {
    /// Every section of the report, in reading order.
    public func sections() throws(AnalysisError) -> [ReportSection] {
        var sections = [try attentionSection(), try headScoreSection(), lossSection(), probeSection(), try pcaSection(),
                        try qkSection(), try tokenQKSection(), try ovSection()]
        if model.nLayers > 1 { sections.append(compositionSection()) }
        sections.append(try attributionSection())
        if model.hasMLP { sections.append(try neuronSection()) }
        sections.append(ablationSection())
        sections += try causalSections()
        if let training, training.count > 1 { sections.append(trainingSection(training)) }
        return sections
    }

    // MARK: Layout helpers

    /// Panels one per head, wrapped to at most `columns` per row; layer by layer.
    func headGrid(columns: Int = 4, _ panel: (Int, Int) throws(AnalysisError) -> Panel) throws(AnalysisError) -> [[Panel]] {
        var grid = [[Panel]]()
        let perRow = min(columns, model.nHeads)
        for l in 0..<model.nLayers {
            var row = [Panel]()
            for h in 0..<model.nHeads {
                row.append(try panel(l, h))
                if row.count == perRow { grid.append(row); row = [] }
            }
            if !row.isEmpty { grid.append(row) }
        }
        // One head per layer: the layers side by side.
        return model.nHeads == 1 ? [grid.flatMap { $0 }] : grid
    }

    func gridFigure(_ grid: [[Panel]], panelWidth: Double = 2.9, panelHeight: Double = 2.6) -> Figure {
        let columns = Double(grid.map(\.count).max() ?? 1)
        return Figure(size: .inches(max(columns * panelWidth, 5), max(Double(grid.count) * panelHeight, 2.8)), dpi: 100, grid: grid)
    }

    static func matrix(_ t: Tensor) -> Matrix { Matrix(rows: t.shape[0], columns: t.shape[1], values: t.scalars) }

    var positionTicks: TickSpec {
        let n = model.nCtx, step = n > 30 ? 10 : 5
        let values = stride(from: 0, to: n, by: step).map(Double.init)
        return .at(values, labels: values.map { String(Int($0)) })
    }

    var headNames: [String] {
        (0..<model.nLayers).flatMap { l in (0..<model.nHeads).map { Self.headName(l, $0) } }
    }

    // MARK: Sections

    func attentionSection() throws(AnalysisError) -> ReportSection {
        let patterns = try patterns()
        let grid = try headGrid { l, h throws(AnalysisError) in
            Panel(title: Self.headName(l, h), xLabel: "key", yLabel: "query",
                  marks: [.heatmap(Self.matrix(patterns[l][slice: h]), scale: ColorScale(.viridis, norm: .linear(min: 0, max: 1)))],
                  xTicks: positionTicks, yTicks: positionTicks, colorbar: h == model.nHeads - 1 || (h + 1) % 4 == 0 ? Colorbar(label: "attention") : nil)
        }
        return ReportSection(title: "Attention patterns", explanation:
            "The mean attention pattern of every head over the \(summary.evalSequences) evaluation sequences: row i is where query position i looks. A diagonal just below the main one is a previous-token head; a bright first column is attention to BOS.",
            figure: gridFigure(grid))
    }

    func headScoreSection() throws(AnalysisError) -> ReportSection {
        var panels = [Panel]()
        var lines = [String]()
        for score in try headScores() {
            let label = "\(score.role) (\(score.key))"
            panels.append(Panel(title: label, xLabel: "head", yLabel: "layer",
                                marks: [.heatmap(Matrix(rows: model.nLayers, columns: model.nHeads, values: score.values),
                                                 scale: ColorScale(.viridis, norm: .linear(min: 0, max: 1)),
                                                 annotate: model.nHeads <= 8, decimals: 2,
                                                 rowLabels: (0..<model.nLayers).map { "L\($0)" }, columnLabels: (0..<model.nHeads).map { "H\($0)" })]))
            if let top = score.values.indices.max(by: { score.values[$0] < score.values[$1] }) {
                lines.append("\(label): highest \(headNames[top]) \(ReportNumber.percent(score.values[top]))")
            }
        }
        panels[panels.count - 1].colorbar = Colorbar(label: "mean attention")
        let width = max(Double(model.nHeads) * 0.45 + 1.2, 2.4)
        return ReportSection(title: "Head scores", explanation:
            "Each head's mean attention, over queries i, on one key: the previous token, the current token, BOS, and the token \(kBack) back. One heatmap per score, layers down and heads across.",
            figure: Figure(size: .inches(min(4 * width + 0.8, 16), max(1.4 + 0.45 * Double(model.nLayers), 2.4) + 0.6), dpi: 100, grid: [panels]),
            caption: lines.joined(separator: "; ") + ".")
    }

    func lossSection() -> ReportSection {
        let positions = (0..<lossByPosition.count).map(Double.init)
        let finite = lossByPosition.enumerated().filter { $0.element.isFinite && $0.element > 0 }
        let (low, high) = (finite.map(\.element).min() ?? 1, max(summary.uniformLoss, finite.map(\.element).max() ?? 1))
        // A trained model's loss sits orders of magnitude below uniform guessing: a log axis shows both.
        let logarithmic = low < high / 50
        let panel = Panel(xLabel: "position", yLabel: "loss (nats)",
                          marks: [.line(x: positions, y: lossByPosition, label: "model", marker: .circle),
                                  Mark.hline(summary.uniformLoss, color: .gray(0.5), width: 1, label: "uniform guess")],
                          yScale: logarithmic ? .log : .linear,
                          yLimits: logarithmic ? (low / 2)...(high * 2) : 0...(high * 1.08), xTicks: positionTicks)
        let worst = finite.max { $0.element < $1.element }
        return ReportSection(title: "Loss by position", explanation:
            "Cross-entropy of the prediction at each position, averaged over the evaluation batch; the dashed line is uniform guessing, ln(d_vocab − 1).",
            figure: Figure(panel, size: .inches(6.4, 3.6), dpi: 100),
            caption: "Mean loss \(ReportNumber.significant(summary.loss))" + (worst.map { "; highest at position \($0.offset): \(ReportNumber.significant($0.element))" } ?? "") + ".")
    }

    func probeSection() -> ReportSection {
        let streams = summary.probes.filter { !$0.normalized }.map(\.stream)
        func values(_ normalized: Bool, _ metric: (ResidualStreamReport) -> Double) -> [Double] {
            streams.map { s in summary.probes.first { $0.stream == s && $0.normalized == normalized }.map(metric) ?? .nan }
        }
        let x = streams.indices.map(Double.init)
        let labels = streams.map(Self.shortStream)
        let ticks = TickSpec.at(x, labels: labels)
        let r2 = Panel(title: "ridge regression", xLabel: "residual stream", yLabel: "held-out R²",
                       marks: Mark.groupedBars(series: [values(false, \.ridgeR2), values(true, \.ridgeR2)], labels: ["raw", "LayerNorm-scaled"]),
                       yLimits: min(0, values(false, \.ridgeR2).filter(\.isFinite).min() ?? 0)...1.05, xTicks: ticks, legend: .upperLeft)
        let accuracy = Panel(title: "logistic classification", xLabel: "residual stream", yLabel: "held-out accuracy",
                             marks: Mark.groupedBars(series: [values(false, \.logisticAccuracy), values(false, \.logisticAccuracyWithin1)],
                                                     labels: ["exact position", "within ±1"]),
                             yLimits: 0...1.05, xTicks: ticks, legend: .upperLeft)
        let caption = streams.map { s in "\(Self.shortStream(s)) R² \(ReportNumber.significant(summary.probes.first { $0.stream == s && !$0.normalized }?.ridgeR2 ?? .nan))" }
        return ReportSection(title: "Position probes", explanation:
            "Linear probes for the position of each token, trained on half the evaluation sequences and scored on the other half, in every residual stream (\(streams.joined(separator: ", "))).",
            figure: Figure(size: .inches(max(6.4, 1.1 * Double(streams.count) * 2 + 1), 3.6), dpi: 100, grid: [[r2, accuracy]]),
            caption: caption.joined(separator: "; ") + ".")
    }

    func pcaSection() throws(AnalysisError) -> ReportSection {
        var panels = [Panel]()
        for pca in summary.pca {
            let projection = try array("pca.\(pca.stream).projection.npy")   // [seqs, n_ctx, 3]
            let (seqs, n) = (min(projection.shape[0], 32), projection.shape[1])
            var x = [Double](), y = [Double](), positions = [Double]()
            if projection.shape[2] >= 2 {
                for s in 0..<seqs {
                    for p in 0..<n {
                        let base = (s * n + p) * projection.shape[2]
                        x.append(Double(projection.scalars[base])); y.append(Double(projection.scalars[base + 1])); positions.append(Double(p))
                    }
                }
            }
            let ratio = pca.explainedVarianceRatio.prefix(2).map { ReportNumber.percent(Double($0)) }.joined(separator: ", ")
            panels.append(Panel(title: "\(Self.shortStream(pca.stream)) (\(ratio))", xLabel: "PC1", yLabel: "PC2",
                                marks: [.scatter(x: x, y: y, values: positions, scale: ColorScale(.viridis, norm: .linear(min: 0, max: Double(n - 1))), size: 3, alpha: 0.6)],
                                colorbar: Colorbar(label: "position")))
        }
        let grid = stride(from: 0, to: panels.count, by: 3).map { Array(panels[$0..<min($0 + 3, panels.count)]) }
        return ReportSection(title: "PCA of the residual stream", explanation:
            "Each residual stream's tokens (the first 32 sequences) on its first two principal components, coloured by position; the panel title gives the variance each component explains.",
            figure: gridFigure(grid, panelWidth: 3.4, panelHeight: 3.0))
    }

    func qkSection() throws(AnalysisError) -> ReportSection {
        let grid = try headGrid { l, h throws(AnalysisError) in
            let scores = try array("circuits.L\(l)H\(h).qk_positions.npy")
            return Panel(title: Self.headName(l, h), xLabel: "key position", yLabel: "query position",
                         marks: [.heatmap(Self.matrix(scores), scale: .diverging)], xTicks: positionTicks, yTicks: positionTicks,
                         colorbar: Colorbar(label: "score"))
        }
        return ReportSection(title: "QK circuits (positional)", explanation:
            "The attention score each head gives between the mean residual stream (after LayerNorm) at a query position and at a key position, before the causal mask: the positional part of its QK circuit.",
            figure: gridFigure(grid, panelWidth: 3.3))
    }

    func tokenQKSection() throws(AnalysisError) -> ReportSection {
        let grid = try headGrid { l, h throws(AnalysisError) in
            Panel(title: Self.headName(l, h), xLabel: "key token", yLabel: "query token",
                  marks: [.heatmap(Self.matrix(try array("circuits.L\(l)H\(h).qk_tokens.npy")), scale: .diverging)],
                  colorbar: Colorbar(label: "score"))
        }
        return ReportSection(title: "QK circuits (tokens)", explanation:
            "The token part of each head's QK circuit, W_E W_Q W_Kᵀ W_Eᵀ: how much a query token wants to attend to a key token, whatever their positions.",
            figure: gridFigure(grid, panelWidth: 3.3))
    }

    func ovSection() throws(AnalysisError) -> ReportSection {
        var lines = [String]()
        let grid = try headGrid { l, h throws(AnalysisError) in
            let ov = try array("circuits.L\(l)H\(h).ov_tokens.npy")   // [d_vocab, d_vocab]
            let copying = WeightCircuits.copyingShare(ovTokens: ov)
            lines.append("\(Self.headName(l, h)) copies (its OV ranks a token's own logit above every other token's, BOS aside) for \(ReportNumber.percent(copying.share)) of tokens (chance \(ReportNumber.percent(copying.chance)))")
            return Panel(title: Self.headName(l, h), xLabel: "output token", yLabel: "input token",
                         marks: [.heatmap(Self.matrix(ov), scale: .diverging)], colorbar: Colorbar(label: "logit"))
        }
        return ReportSection(title: "OV circuits", explanation:
            "What each head writes to the logits when it attends to a token: W_E W_V W_O W_U, input token down, output token across. A bright diagonal is a copying head.",
            figure: gridFigure(grid, panelWidth: 3.3), caption: lines.joined(separator: "; ") + ".")
    }

    /// Earlier heads (layers 0 to L − 2) down, later heads (layers 1 to L − 1) across.
    func compositionSection() -> ReportSection {
        let h = model.nHeads
        let writers = Array(headNames.prefix((model.nLayers - 1) * h)), readers = Array(headNames.dropFirst(h))
        // Many heads: label only each layer's first column, so that labels do not overlap.
        let columnLabels = readers.count > 12 ? readers.enumerated().map { $0.offset % h == 0 ? $0.element : "" } : readers
        var panels = [Panel]()
        // One colour bar serves the three panels, so one scale must too: the largest score of all.
        let scale = ColorScale(.viridis, norm: .linear(min: 0, max: summary.composition.map(\.score).filter(\.isFinite).max() ?? 1))
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
        return ReportSection(title: "Composition scores", explanation:
            "How much each later head reads what each earlier head writes, through its query (Q), key (K) or value (V): ‖W_OV W‖_F / (‖W_OV‖_F ‖W‖_F). Blank cells are pairs in the wrong order.",
            figure: Figure(size: .inches(3 * side + 0.8, side * Double(writers.count) / Double(readers.count) + 1), dpi: 100, grid: [panels]))
    }

    func attributionSection() throws(AnalysisError) -> ReportSection {
        let dla = try array("dla.npy")
        let panel = Panel(xLabel: "position", yLabel: "component",
                          marks: [.heatmap(Self.matrix(dla), scale: .diverging, rowLabels: summary.dlaComponents)],
                          xTicks: positionTicks, colorbar: Colorbar(label: "logit of the correct token"), aspectEqual: false)
        return ReportSection(title: "Direct logit attribution", explanation:
            "How much each component adds directly to the logit of the correct token at each position (the final LayerNorm's scale taken from the forward), averaged over the batch. The rows add up to the logit.",
            figure: Figure(panel, size: .inches(7.5, max(2.6, 0.28 * Double(summary.dlaComponents.count) + 1.4)), dpi: 100))
    }

    func neuronSection() throws(AnalysisError) -> ReportSection {
        var panels = [Panel]()
        for l in 0..<model.nLayers {
            let activation = try array("mlp\(l).activation_by_position.npy")   // [n_ctx, d_mlp]
            let (n, m) = (activation.shape[0], activation.shape[1])
            // Neurons sorted by the position where they are most active, so that position codes show as a staircase.
            let peak = (0..<m).map { j in (0..<n).max { activation[$0, j] < activation[$1, j] } ?? 0 }
            let order = (0..<m).sorted { peak[$0] != peak[$1] ? peak[$0] < peak[$1] : $0 < $1 }
            var values = [Double]()
            for j in order { for p in 0..<n { values.append(Double(activation[p, j])) } }
            panels.append(Panel(title: "MLP \(l)", xLabel: "position", yLabel: "neuron (sorted by peak position)",
                                marks: [.heatmap(Matrix(rows: m, columns: n, values: values), scale: .viridis)],
                                xTicks: positionTicks, yTicks: .hidden, colorbar: Colorbar(label: "mean activation"), aspectEqual: false))
        }
        let lines = summary.mlp.map { "MLP \($0.layer): fires on \(ReportNumber.percent($0.firingRate)) of (token, neuron) pairs, \($0.deadNeurons) dead" }
        return ReportSection(title: "MLP neurons by position", explanation:
            "Each neuron's mean activation at each position; neurons are sorted by the position where they peak.",
            figure: Figure(size: .inches(max(3.6 * Double(panels.count), 5), 4.2), dpi: 100, grid: [panels]),
            caption: lines.joined(separator: "; ") + ".")
    }

    func ablationSection() -> ReportSection {
        let names = summary.ablations.map(\.activation)
        let values = summary.ablations.map(\.loss)
        let panel = Panel(xLabel: "", yLabel: "",
                          marks: [.heatmap(Matrix(rows: values.count, columns: 1, values: values),
                                           scale: ColorScale(.magma, norm: .linear(min: 0, max: max(summary.uniformLoss, values.max() ?? 0))),
                                           annotate: true, decimals: 3, rowLabels: names, columnLabels: ["loss"])],
                          colorbar: Colorbar(label: "loss with the activation mean-ablated"), aspectEqual: false)
        return ReportSection(title: "Mean ablations", explanation:
            "The loss when one activation is replaced by its mean over the evaluation batch (per position, head or neuron), on the first \(min(32, summary.evalSequences)) of its sequences: compare the rows with each other; the model's own loss is in the page's heading.",
            figure: Figure(panel, size: .inches(6.4, max(2.4, 0.26 * Double(values.count) + 1.0)), dpi: 100))
    }

    func trainingSection(_ rows: [TrainingMetrics]) -> ReportSection {
        let steps = rows.map { Double($0.step) }
        let loss = Panel(title: "loss", xLabel: "step", yLabel: "loss (nats)", marks: [.line(x: steps, y: rows.map(\.loss), marker: .circle)],
                         yLimits: 0...(max(rows.map(\.loss).max() ?? 1, 0.1) * 1.05))
        func headPanel(_ title: String, _ label: String, _ score: (AnalysisSummary.Head.Scores) -> Double) -> Panel {
            let marks = headNames.indices.map { index in
                Mark.line(x: steps, y: rows.map { $0.heads.indices.contains(index) ? score($0.heads[index]) : .nan }, label: headNames[index])
            }
            return Panel(title: title, xLabel: "step", yLabel: label, marks: marks, yLimits: 0...1.05, legend: headNames.count <= 8 ? .best : .hidden)
        }
        let previous = headPanel("previous-token score", "attention on i−1", \.previousToken)
        let current = headPanel("current-token score", "attention on i", \.currentToken)
        let bos = headPanel("BOS score", "attention on BOS", \.bos)
        let streams = rows.last?.probes.map(\.stream) ?? []
        let probeMarks = streams.map { s in Mark.line(x: steps, y: rows.map { $0.probes.first { $0.stream == s }?.ridgeR2 ?? .nan }, label: Self.shortStream(s)) }
        let probes = Panel(title: "position probe", xLabel: "step", yLabel: "held-out R²", marks: probeMarks, yLimits: -0.05...1.05)
        return ReportSection(title: "Over training", explanation:
            "The loss, each head's scores and each stream's position probe at every saved checkpoint (on \(AnalysisSettings.overTraining.evalSequences) sequences).",
            figure: Figure(size: .inches(13, 7), dpi: 100, grid: [[loss, previous, current], [bos, probes]]))
    }

    /// `blocks.0.hook_resid_post` as `resid_post 0`; the embedding as `embed`.
    static func shortStream(_ stream: String) -> String {
        guard let hook = HookName(parsing: stream), let layer = hook.layer else { return stream }
        switch hook {
        case .residPre(0): return "embed"
        case .residPre, .residMid, .residPost, .attnOut, .mlpOut: return "\(hook.point) \(layer)"
        default: return stream
        }
    }
}
