import Foundation
import Plot
import Reproducible

extension Recipe {
    /// Training loss of every design on the main recipe (mean over seeds with a min–max band, by
    /// step) and, when the study model was also trained on other recipes, the recipes side by
    /// side by tokens seen.
    public static let lossCurves = Recipe(name: "loss_curves", title: "Training loss") { runs throws(RecipeError) in
        var marks = [Mark]()
        var finals = [(String, Double)]()
        for variant in runs.variants {
            let curves = try runs.runs(of: variant).map { run throws(RecipeError) in try run.lossCurve() }.filter { !$0.steps.isEmpty }
            guard let (steps, mean, band) = meanCurve(curves) else { continue }
            if let band { marks.append(.band(x: steps, lower: band.lower, upper: band.upper)) }
            marks.append(.line(x: steps, y: mean, label: "\(variant.label) (\(curves.count) seed\(curves.count == 1 ? "" : "s"))"))
            finals.append((variant.plainLabel, mean.last ?? .nan))
        }
        guard !marks.isEmpty else { throw .missingRuns(recipe: "loss_curves", need: "runs with a training log") }
        let vocabulary = (runs.runs.first?.config.dVocab ?? 300) - 1
        let uniform = ReproducibleMath.log(Double(vocabulary))
        marks.append(.hline(uniform, color: .gray(0.4), label: "uniform guess (ln \(vocabulary))"))
        let byStep = Panel(title: runs.mainTraining.map { "Every design, \($0.label)" }, xLabel: "step",
                           yLabel: "cross-entropy loss", marks: marks, yScale: .log)
        let study = finals.first.map { "The study model (\($0.0)) ends at a loss of \(RecipeSupport.loss($0.1))" } ?? ""
        let others = finals.dropFirst().map { "\($0.0): \(RecipeSupport.loss($0.1))" }.joined(separator: "; ")
        var caption = "\(study), against \(String(format: "%.2f", uniform)) for uniform guessing" +
            (others.isEmpty ? "." : "; the other designs on the same budget end at \(others).")

        // The study model's recipes by tokens seen.
        let groups = runs.studyRunsByRecipe
        guard groups.count > 1 else {
            return RecipeOutput(figure: Figure(byStep, size: RecipeSupport.singleSize), caption: caption)
        }
        var recipeMarks = [Mark]()
        var recipeFinals = [String]()
        let palette = Palette.okabeIto
        for (index, group) in groups.enumerated() {
            let curves = try group.runs.map { run throws(RecipeError) in
                let curve = try run.lossCurve()
                return (steps: curve.steps.map { run.config.tokensSeen(afterStep: $0) / 1e6 }, loss: curve.loss)
            }.filter { !$0.steps.isEmpty }
            guard let (tokens, mean, band) = meanCurve(curves) else { continue }
            // A log axis of tokens cannot show step 0.
            let kept = tokens.indices.filter { tokens[$0] > 0 }
            if let band { recipeMarks.append(.band(x: kept.map { tokens[$0] }, lower: kept.map { band.lower[$0] },
                                                   upper: kept.map { band.upper[$0] }, color: palette[index])) }
            recipeMarks.append(.line(x: kept.map { tokens[$0] }, y: kept.map { mean[$0] },
                                     label: "\(group.recipe.label) (\(curves.count) seed\(curves.count == 1 ? "" : "s"))",
                                     color: palette[index]))
            recipeFinals.append("\(RecipeSupport.loss(mean.last ?? .nan)) after \(group.recipe.label) " +
                                "(\(RecipeSupport.format(tokens.last ?? .nan, digits: 1))M tokens)")
        }
        recipeMarks.append(.hline(uniform, color: .gray(0.4)))
        let byTokens = Panel(title: "The study model, by recipe", xLabel: "tokens seen (millions)", yLabel: "cross-entropy loss",
                             marks: recipeMarks, xScale: .log, yScale: .log)
        caption += " By training recipe, the study model reaches \(recipeFinals.joined(separator: ", and "))."
        // One above the other: each keeps a single panel's width for its legend, and a slide
        // shows them one per page.
        return RecipeOutput(figure: Figure(size: .inches(6.4, 8.4), grid: [[byStep], [byTokens]]), caption: caption)
    }

    /// The mean of curves over their common steps, with the min–max band when there are several.
    static func meanCurve(_ curves: [(steps: [Double], loss: [Double])])
        -> (steps: [Double], mean: [Double], band: (lower: [Double], upper: [Double])?)? {
        guard let shortest = curves.min(by: { $0.steps.count < $1.steps.count }) else { return nil }
        let columns = shortest.steps.indices.map { i in curves.map { $0.loss[i] } }
        let band = curves.count > 1
            ? (lower: columns.map { $0.min() ?? .nan }, upper: columns.map { $0.max() ?? .nan }) : nil
        return (shortest.steps, columns.map(RecipeSupport.mean), band)
    }
}
