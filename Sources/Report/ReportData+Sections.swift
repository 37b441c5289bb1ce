import Foundation
import Analysis
import Plot
import Recipes
import Tensor
import Transformer

extension ReportData {
    /// Every section of the report, in reading order: each a recipe over the report's one run
    /// (and its patching), drawn the way the study's figures are.
    public func sections() throws(AnalysisError) -> [ReportSection] {
        var recipes = [ReportRecipes.attention, ReportRecipes.headScores, ReportRecipes.loss, ReportRecipes.probes, ReportRecipes.pca,
                       ReportRecipes.positionalQK, ReportRecipes.tokenQK, ReportRecipes.ov]
        if model.nLayers > 1 { recipes.append(ReportRecipes.composition) }
        recipes.append(ReportRecipes.attribution)
        if model.hasMLP { recipes.append(ReportRecipes.neurons) }
        recipes.append(ReportRecipes.ablation)
        if patching != nil { recipes.append(ReportRecipes.patching) }
        recipes.append(ReportRecipes.logitLens)
        if let training = try training(), training.count > 1 { recipes.append(ReportRecipes.training) }
        let runs = StudyRuns(runs: [run], patchings: patching.map { [$0] } ?? [])
        return try recipes.map { recipe throws(AnalysisError) in
            let output: RecipeOutput
            do { output = try recipe.make(runs) } catch { throw .badInput("\(error)") }
            return ReportSection(title: recipe.title, explanation: output.explanation, figure: output.figure, caption: output.caption)
        }
    }
}

/// The report's sections: recipes over one run (`ReportPage.init`), each a figure with its
/// caption and explanation.
enum ReportRecipes {}

/// What every section of the report shares: the run, its patching, and the page's layout for
/// the run's model (a panel per head, position ticks, stream names).
struct ReportPage {
    let run: AnalyzedRun
    let patching: PatchedRun?
    let model: ModelConfig

    init(_ runs: StudyRuns, for recipe: String) throws(RecipeError) {
        run = try runs.mainRun(for: recipe)
        patching = runs.patchings.first
        model = run.analysis.model
    }

    var summary: AnalysisSummary { run.summary }

    /// The offset of the k-back score shown beside previous-token (`KBackScore.offset`).
    var kBack: Int { KBackScore.offset(task: run.analysis.config.task, nCtx: model.nCtx) }

    /// Each head's circuit matrix `array(head)` as a diverging heatmap, a panel per head.
    func circuitGrid(_ array: (HeadID) -> AnalysisFolder.Array, x: String, y: String, positions: Bool = false,
                     colorbar: String) throws(RecipeError) -> [[Panel]] {
        try headGrid { l, h throws(RecipeError) in
            Panel(title: ReportData.headName(l, h), xLabel: x, yLabel: y,
                  marks: [.heatmap(RecipeSupport.matrix(try run.array(array(HeadID(layer: l, head: h)))), scale: .diverging)],
                  xTicks: positions ? positionTicks : .automatic, yTicks: positions ? positionTicks : .automatic,
                  colorbar: Colorbar(label: colorbar))
        }
    }

    /// Panels one per head, wrapped to at most `columns` per row; layer by layer.
    func headGrid(columns: Int = 4, _ panel: (Int, Int) throws(RecipeError) -> Panel) throws(RecipeError) -> [[Panel]] {
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

    var positionTicks: TickSpec { RecipeSupport.positionTicks(model.nCtx) }

    var headNames: [String] {
        (0..<model.nLayers).flatMap { l in (0..<model.nHeads).map { ReportData.headName(l, $0) } }
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

    /// The mean of row `row`'s finite values (NaN where there are none).
    static func finiteMean(_ t: Tensor, row: Int) -> Double {
        let n = t.shape[1]
        let values = (0..<n).map { Double(t[row, $0]) }.filter(\.isFinite)
        return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}
