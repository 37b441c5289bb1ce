import Analysis
import Plot
import Recipes
import Tensor
import Transformer

/// The report's sections about the residual stream, the loss and the MLPs.
extension ReportRecipes {
    static let loss = Recipe(name: "report_loss", title: "Loss by position") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_loss"), summary = page.summary
        let lossByPosition = try page.run.array(.lossByPosition).scalars.map(Double.init)
        let positions = (0..<lossByPosition.count).map(Double.init)
        let finite = lossByPosition.enumerated().filter { $0.element.isFinite && $0.element > 0 }
        let (low, high) = (finite.map(\.element).min() ?? 1, max(summary.uniformLoss, finite.map(\.element).max() ?? 1))
        // A trained model's loss sits orders of magnitude below uniform guessing: a log axis shows both.
        let logarithmic = low < high / 50
        let panel = Panel(xLabel: "position", yLabel: "loss (nats)",
                          marks: [.line(x: positions, y: lossByPosition, label: "model", marker: .circle),
                                  Mark.hline(summary.uniformLoss, color: .gray(0.5), width: 1, label: "uniform guess")],
                          yScale: logarithmic ? .log : .linear,
                          yLimits: logarithmic ? (low / 2)...(high * 2) : 0...(high * 1.08), xTicks: page.positionTicks)
        let worst = finite.max { $0.element < $1.element }
        return RecipeOutput(figure: Figure(panel, size: .inches(6.4, 3.6), dpi: 100),
                            caption: "Mean loss \(ReportNumber.significant(summary.loss))" + (worst.map { "; highest at position \($0.offset): \(ReportNumber.significant($0.element))" } ?? "") + ".",
                            explanation: "Cross-entropy of the prediction at each position, averaged over the evaluation batch; the dashed line is uniform guessing, ln(d_vocab − 1).")
    }

    static let probes = Recipe(name: "report_probes", title: "Position probes") { runs throws(RecipeError) in
        let summary = try ReportPage(runs, for: "report_probes").summary
        let streams = summary.probes.filter { !$0.normalized }.map(\.stream)
        func values(_ normalized: Bool, _ metric: (ResidualStreamReport) -> Double) -> [Double] {
            streams.map { s in summary.probes.first { $0.stream == s && $0.normalized == normalized }.map(metric) ?? .nan }
        }
        let x = streams.indices.map(Double.init)
        let ticks = TickSpec.at(x, labels: streams.map(ReportPage.shortStream))
        let r2 = Panel(title: "ridge regression", xLabel: "residual stream", yLabel: "held-out R²",
                       marks: Mark.groupedBars(series: [values(false, \.ridgeR2), values(true, \.ridgeR2)], labels: ["raw", "LayerNorm-scaled"]),
                       yLimits: min(0, values(false, \.ridgeR2).filter(\.isFinite).min() ?? 0)...1.05, xTicks: ticks, legend: .upperLeft)
        let accuracy = Panel(title: "logistic classification", xLabel: "residual stream", yLabel: "held-out accuracy",
                             marks: Mark.groupedBars(series: [values(false, \.logisticAccuracy), values(false, \.logisticAccuracyWithin1)],
                                                     labels: ["exact position", "within ±1"]),
                             yLimits: 0...1.05, xTicks: ticks, legend: .upperLeft)
        let caption = streams.map { s in "\(ReportPage.shortStream(s)) R² \(ReportNumber.significant(summary.probes.first { $0.stream == s && !$0.normalized }?.ridgeR2 ?? .nan))" }
        return RecipeOutput(figure: Figure(size: .inches(max(6.4, 1.1 * Double(streams.count) * 2 + 1), 3.6), dpi: 100, grid: [[r2, accuracy]]),
                            caption: caption.joined(separator: "; ") + ".", explanation:
            "Linear probes for the position of each token, trained on half the evaluation sequences and scored on the other half, in every residual stream (\(streams.joined(separator: ", "))).")
    }

    static let pca = Recipe(name: "report_pca", title: "PCA of the residual stream") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_pca")
        var panels = [Panel]()
        for pca in page.summary.pca {
            guard let stream = HookName(parsing: pca.stream) else {
                throw .badInput(path: page.run.folder + "/" + AnalysisFolder.summaryFile, reason: "'\(pca.stream)' is not a residual stream; run `rederive analyze` again")
            }
            let projection = try page.run.array(.pcaProjection(stream))   // [seqs, n_ctx, 3]
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
            panels.append(Panel(title: "\(ReportPage.shortStream(pca.stream)) (\(ratio))", xLabel: "PC1", yLabel: "PC2",
                                marks: [.scatter(x: x, y: y, values: positions, scale: ColorScale(.viridis, norm: .linear(min: 0, max: Double(n - 1))), size: 3, alpha: 0.6)],
                                colorbar: Colorbar(label: "position")))
        }
        let grid = stride(from: 0, to: panels.count, by: 3).map { Array(panels[$0..<min($0 + 3, panels.count)]) }
        return RecipeOutput(figure: page.gridFigure(grid, panelWidth: 3.4, panelHeight: 3.0), caption: "", explanation:
            "Each residual stream's tokens (the first 32 sequences) on its first two principal components, coloured by position; the panel title gives the variance each component explains.")
    }

    static let attribution = Recipe(name: "report_attribution", title: "Direct logit attribution") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_attribution"), components = page.summary.dlaComponents
        let panel = Panel(xLabel: "position", yLabel: "component",
                          marks: [.heatmap(RecipeSupport.matrix(try page.run.array(.dla)), scale: .diverging, rowLabels: components)],
                          xTicks: page.positionTicks, colorbar: Colorbar(label: "logit of the correct token"), aspectEqual: false)
        return RecipeOutput(figure: Figure(panel, size: .inches(7.5, max(2.6, 0.28 * Double(components.count) + 1.4)), dpi: 100), caption: "", explanation:
            "How much each component adds directly to the logit of the correct token at each position (the final LayerNorm's scale taken from the forward), averaged over the batch. The rows add up to the logit.")
    }

    static let neurons = Recipe(name: "report_neurons", title: "MLP neurons by position") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_neurons")
        var panels = [Panel]()
        for l in 0..<page.model.nLayers {
            let activation = try page.run.array(.mlpActivation(layer: l))   // [n_ctx, d_mlp]
            let (n, m) = (activation.shape[0], activation.shape[1])
            // Neurons sorted by the position where they are most active, so that position codes show as a staircase.
            let peak = (0..<m).map { j in (0..<n).max { activation[$0, j] < activation[$1, j] } ?? 0 }
            let order = (0..<m).sorted { peak[$0] != peak[$1] ? peak[$0] < peak[$1] : $0 < $1 }
            var values = [Double]()
            for j in order { for p in 0..<n { values.append(Double(activation[p, j])) } }
            panels.append(Panel(title: "MLP \(l)", xLabel: "position", yLabel: "neuron (sorted by peak position)",
                                marks: [.heatmap(Matrix(rows: m, columns: n, values: values), scale: .viridis)],
                                xTicks: page.positionTicks, yTicks: .hidden, colorbar: Colorbar(label: "mean activation"), aspectEqual: false))
        }
        let lines = page.summary.mlp.map { "MLP \($0.layer): fires on \(ReportNumber.percent($0.firingRate)) of (token, neuron) pairs, \($0.deadNeurons) dead" }
        return RecipeOutput(figure: Figure(size: .inches(max(3.6 * Double(panels.count), 5), 4.2), dpi: 100, grid: [panels]),
                            caption: lines.joined(separator: "; ") + ".",
                            explanation: "Each neuron's mean activation at each position; neurons are sorted by the position where they peak.")
    }

    static let ablation = Recipe(name: "report_ablation", title: "Mean ablations") { runs throws(RecipeError) in
        let summary = try ReportPage(runs, for: "report_ablation").summary
        let names = summary.ablations.map(\.activation)
        let values = summary.ablations.map(\.loss)
        let panel = Panel(xLabel: "", yLabel: "",
                          marks: [.heatmap(Matrix(rows: values.count, columns: 1, values: values),
                                           scale: ColorScale(.magma, norm: .linear(min: 0, max: max(summary.uniformLoss, values.max() ?? 0))),
                                           annotate: true, decimals: 3, rowLabels: names, columnLabels: ["loss"])],
                          colorbar: Colorbar(label: "loss with the activation mean-ablated"), aspectEqual: false)
        return RecipeOutput(figure: Figure(panel, size: .inches(6.4, max(2.4, 0.26 * Double(values.count) + 1.0)), dpi: 100), caption: "", explanation:
            "The loss when one activation is replaced by its mean over the evaluation batch (per position, head or neuron), on the first \(min(32, summary.evalSequences)) of its sequences: compare the rows with each other; the model's own loss is in the page's heading.")
    }

    static let training = Recipe(name: "report_training", title: "Over training") { runs throws(RecipeError) in
        let page = try ReportPage(runs, for: "report_training"), rows = try page.run.trainingMetrics(), headNames = page.headNames
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
        let probeMarks = streams.map { s in Mark.line(x: steps, y: rows.map { $0.probes.first { $0.stream == s }?.ridgeR2 ?? .nan }, label: ReportPage.shortStream(s)) }
        let probes = Panel(title: "position probe", xLabel: "step", yLabel: "held-out R²", marks: probeMarks, yLimits: -0.05...1.05)
        return RecipeOutput(figure: Figure(size: .inches(13, 7), dpi: 100, grid: [[loss, previous, current], [bos, probes]]), caption: "", explanation:
            "The loss, each head's scores and each stream's position probe at every saved checkpoint (on \(AnalysisSettings.overTraining.evalSequences) sequences).")
    }
}
