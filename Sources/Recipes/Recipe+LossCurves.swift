import Foundation
import Plot

extension Recipe {
    /// Training loss of every design: the mean over seeds with a min–max band, log scale.
    public static let lossCurves = Recipe(name: "loss_curves", title: "Training loss") { runs throws(RecipeError) in
        var marks = [Mark]()
        var finals = [(String, Double)]()
        for variant in runs.variants {
            let curves = try runs.runs(of: variant).map { run throws(RecipeError) in try run.lossCurve() }.filter { !$0.steps.isEmpty }
            guard let shortest = curves.min(by: { $0.steps.count < $1.steps.count }) else { continue }
            let steps = shortest.steps
            let columns = steps.indices.map { i in curves.map { $0.loss[i] } }
            if curves.count > 1 {
                marks.append(.band(x: steps, lower: columns.map { $0.min()! }, upper: columns.map { $0.max()! }))
            }
            let mean = columns.map(RecipeSupport.mean)
            marks.append(.line(x: steps, y: mean, label: "\(variant.label) (\(curves.count) seed\(curves.count == 1 ? "" : "s"))"))
            finals.append((variant.plainLabel, mean.last ?? .nan))
        }
        guard !marks.isEmpty else { throw .missingRuns(recipe: "loss_curves", need: "runs with a training log") }
        let uniform = log(Double((runs.runs.first?.config.dVocab ?? 300) - 1))
        marks.append(.hline(uniform, color: .gray(0.4), label: "uniform guess (ln \((runs.runs.first?.config.dVocab ?? 300) - 1))"))
        let panel = Panel(xLabel: "step", yLabel: "cross-entropy loss", marks: marks, yScale: .log)
        let study = finals.first.map { "The study model (\($0.0)) ends at a loss of \(RecipeSupport.loss($0.1))" } ?? ""
        let others = finals.dropFirst().map { "\($0.0): \(RecipeSupport.loss($0.1))" }.joined(separator: "; ")
        return RecipeOutput(
            figure: Figure(panel, size: RecipeSupport.singleSize),
            caption: "\(study), against \(String(format: "%.2f", uniform)) for uniform guessing" +
                (others.isEmpty ? "." : "; the other designs on the same budget end at \(others)."))
    }
}
