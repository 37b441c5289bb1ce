import Foundation
import Plot

extension Recipe {
    /// Linear probes for position in each residual stream, for each design, and over training.
    public static let positionProbes = Recipe(name: "position_probes", title: "Where position is linearly readable") { runs throws(RecipeError) in
        let variants = runs.variants
        let order = RecipeSupport.streamOrder(maxLayers: runs.runs.map(\.config.nLayers).max() ?? 0)
        var accuracy = [[Double]](), accuracyErrors = [[Double]](), r2 = [[Double]](), r2Errors = [[Double]]()
        var studyAccuracy = [String: Double]()
        for variant in variants {
            var byStream = [String: (acc: [Double], r2: [Double])]()
            for run in runs.runs(of: variant) {
                for probe in run.summary.probes where !probe.normalized {
                    let label = RecipeSupport.streamLabel(probe.stream, hasMLP: run.config.dMLP != nil)
                    byStream[label, default: ([], [])].acc.append(probe.logisticAccuracy)
                    byStream[label, default: ([], [])].r2.append(probe.ridgeR2)
                }
            }
            accuracy.append(order.map { byStream[$0].map { RecipeSupport.mean($0.acc) } ?? .nan })
            accuracyErrors.append(order.map { byStream[$0].map { RecipeSupport.standardDeviation($0.acc) } ?? 0 })
            r2.append(order.map { byStream[$0].map { RecipeSupport.mean($0.r2) } ?? .nan })
            r2Errors.append(order.map { byStream[$0].map { RecipeSupport.standardDeviation($0.r2) } ?? 0 })
            if variant.isStudy { studyAccuracy = byStream.mapValues { RecipeSupport.mean($0.acc) } }
        }
        let ticks = TickSpec.at(order.indices.map(Double.init), labels: order)
        // Accuracy and R² stop at 1; the room above is for the legend.
        let unitTicks = TickSpec.at([0, 0.2, 0.4, 0.6, 0.8, 1])
        let labels = variants.map(\.label)
        let accuracyPanel = Panel(title: "Logistic probe (held out)", yLabel: "position accuracy",
                                  marks: Mark.groupedBars(series: accuracy, errors: accuracyErrors, labels: labels),
                                  yLimits: 0...1.45, xTicks: ticks, yTicks: unitTicks, legend: .upperRight)
        let r2Panel = Panel(title: "Ridge regression (held out)", yLabel: "R²",
                            marks: Mark.groupedBars(series: r2.map { $0.map { max($0, 0) } }, errors: r2Errors, labels: labels),
                            yLimits: 0...1.45, xTicks: ticks, yTicks: unitTicks, legend: .hidden)

        // Over training: the study model's probe accuracy per stream, by checkpoint.
        let main = try runs.mainRun(for: "position_probes")
        let metrics = try main.trainingMetrics()
        var trainingMarks = [Mark](), trainingR2 = [Mark]()
        if let firstRow = metrics.first {
            let steps = metrics.map { Double($0.step) }
            for (index, probe) in firstRow.probes.enumerated() {
                let label = RecipeSupport.streamLabel(probe.stream, hasMLP: main.config.dMLP != nil)
                trainingMarks.append(.line(x: steps, y: metrics.map { $0.probes[index].logisticAccuracy }, label: label, marker: .circle))
                trainingR2.append(.line(x: steps, y: metrics.map { max($0.probes[index].ridgeR2, 0) }, label: label, marker: .circle))
            }
        }
        let which = "\(main.config.variant.label), seed \(main.config.seed)"
        let trainingPanel = Panel(title: "Accuracy over training (\(which))", xLabel: "step", yLabel: "position accuracy",
                                  marks: trainingMarks, yLimits: 0...1.05, legend: .best)
        let trainingR2Panel = Panel(title: "R² over training", xLabel: "step", yLabel: "R²",
                                    marks: trainingR2, yLimits: 0...1.05, legend: .hidden)
        let embed = studyAccuracy["embed"] ?? .nan, afterMLP = studyAccuracy["L0 MLP"] ?? .nan
        let caption = "In the study model a linear probe reads the exact position from the embedding with accuracy \(RecipeSupport.percent(embed)) (chance \(RecipeSupport.percent(1 / Double(main.config.nCtx)))) " +
            "but from the residual stream after MLP 0 with \(RecipeSupport.percent(afterMLP)); bars are means over seeds with their standard deviation."
        let grid: [[Panel]] = trainingMarks.isEmpty ? [[accuracyPanel, r2Panel]] : [[accuracyPanel, r2Panel], [trainingPanel, trainingR2Panel]]
        return RecipeOutput(figure: Figure(size: .inches(10, trainingMarks.isEmpty ? 4 : 7.6), grid: grid), caption: caption)
    }
}
