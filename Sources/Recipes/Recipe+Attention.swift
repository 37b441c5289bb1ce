import Analysis
import Foundation
import Plot

extension Recipe {
    /// The mean attention pattern of every layer and head of the study model.
    public static let attentionPatterns = Recipe(name: "attention_patterns", title: "Mean attention patterns") { runs throws(RecipeError) in
        let run = try runs.mainRun(for: "attention_patterns")
        let c = run.config
        var grid = [[Panel]]()
        for layer in 0..<c.nLayers {
            let patterns = try run.array(.pattern(layer: layer))   // [heads, q, k]
            grid.append((0..<c.nHeads).map { head in
                Panel(title: c.nHeads == 1 ? "Layer \(layer)" : "Layer \(layer), head \(head)",
                      xLabel: "key position", yLabel: "query position",
                      marks: [.heatmap(RecipeSupport.matrix(patterns[slice: head]), scale: ColorScale(.viridis, norm: .linear(min: 0, max: 1)))],
                      colorbar: Colorbar(label: "attention"))
            })
        }
        // Side by side when there is one head per layer.
        if c.nHeads == 1 { grid = [grid.flatMap { $0 }] }
        let scores = run.summary.heads
        let l0 = scores.first { $0.layer == 0 }, l1 = scores.first { $0.layer == 1 }
        var caption = "Mean attention over \(run.summary.evalSequences) random sequences (seed \(c.seed))."
        if let l0 { caption += " Layer 0 sends \(MetricText.percent(l0.scores.bos)) of its attention to BOS on average" }
        if let l1 { caption += "; layer 1 sends \(MetricText.percent(l1.scores.previousToken)) to the previous token and \(MetricText.percent(l1.scores.currentToken)) to the current one" }
        caption += "."
        let width = Double(grid.map(\.count).max() ?? 1) * 3.6
        return RecipeOutput(figure: Figure(size: .inches(max(width, 6.4), 3.4 * Double(grid.count)), grid: grid), caption: caption)
    }

    /// Layer 0's attention to BOS against position: the positional code, with a/(a + i) fitted
    /// per run, for each training recipe of the study model, beside the original study's a ≈ 8.
    public static let positionalCode = Recipe(name: "positional_code", title: "The positional code") { runs throws(RecipeError) in
        let groups = runs.studyRunsByRecipe
        guard let first = groups.first?.runs.first else { throw .missingRuns(recipe: "positional_code", need: "an analysed run") }
        let n = groups.flatMap(\.runs).map(\.config.nCtx).max() ?? first.config.nCtx
        let fine = stride(from: 1.0, through: Double(n - 1), by: 0.25).map { $0 }
        var marks = [Mark]()
        var fitsByRecipe = [(recipe: TrainingRecipe, fits: [Double])]()
        let palette = Palette.okabeIto
        var colorIndex = 0
        for (recipe, recipeRuns) in groups {
            var fits = [Double]()
            for run in recipeRuns {
                let pattern = try run.array(.pattern(layer: 0))[slice: 0]
                guard let head = run.summary.heads.first(where: { $0.layer == 0 && $0.head == 0 }) else { continue }
                fits.append(head.bosFit.a)
                let label = groups.count > 1 ? "\(recipe.label), seed \(run.config.seed)" : "seed \(run.config.seed)"
                // Each run's own positions: runs of another n_ctx are drawn, not read past their end.
                let own = 1..<run.config.nCtx
                marks.append(.scatter(x: own.map(Double.init), y: own.map { Double(pattern[$0, 0]) }, color: palette[colorIndex],
                                      size: 7, label: label))
                colorIndex += 1
            }
            guard !fits.isEmpty else { continue }
            let a = RecipeSupport.mean(fits)
            marks.insert(.line(x: fine, y: fine.map { a / (a + $0) }, label: "a/(a + i), a = \(RecipeSupport.format(a, digits: 1))",
                               color: palette[colorIndex - 1], width: 1, dash: .dashed), at: 0)
            fitsByRecipe.append((recipe, fits))
        }
        guard !fitsByRecipe.isEmpty else { throw .missingRuns(recipe: "positional_code", need: "the study model's analyses") }
        let original = 8.0
        marks.insert(.line(x: fine, y: fine.map { original / (original + $0) }, label: "original study, a ≈ 8",
                           color: .gray(0.45), width: 1, dash: .dotted), at: 0)
        let panel = Panel(xLabel: "query position i", yLabel: "attention to BOS (layer 0)", marks: marks,
                          xLimits: 0...Double(n), yLimits: 0...1.05, xTicks: RecipeSupport.positionTicks(n + 1))
        let described = fitsByRecipe.map { group in
            "a = \(group.fits.map { RecipeSupport.format($0, digits: 1) }.joined(separator: ", ")) after \(group.recipe.label) " +
                "(\(group.fits.count) seed\(group.fits.count == 1 ? "" : "s"))"
        }
        let a = RecipeSupport.mean(fitsByRecipe[0].fits)
        let caption = "Layer 0 attends to BOS with weight close to a/(a + i) at position i: BOS gets about " +
            "\(RecipeSupport.format(a, digits: 1))× the score of any other token, so the share of attention on BOS encodes the position. " +
            "The fitted a depends on how the model was trained: \(described.joined(separator: "; ")); the original study found a ≈ 8."
        return RecipeOutput(figure: Figure(panel, size: RecipeSupport.singleSize), caption: caption)
    }
}
