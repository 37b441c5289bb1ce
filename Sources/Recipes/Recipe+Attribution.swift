import Foundation
import Plot
import Reproducible
import Transformer

extension Recipe {
    /// Direct logit attribution to the correct token, by position.
    public static let logitAttribution = Recipe(name: "logit_attribution", title: "Direct logit attribution") { runs throws(RecipeError) in
        let run = try runs.mainRun(for: "logit_attribution")
        let dla = try run.array(.dla)   // [components, n_ctx]
        let names = run.summary.dlaComponents
        let n = dla.shape[1]
        let positions = (1..<n).map(Double.init)
        var marks: [Mark] = [.hline(0, color: .gray(0.5), width: 0.8, dash: .solid)]
        var means = [(String, Double)]()
        for (row, name) in names.enumerated() {
            let values = (1..<n).map { Double(dla[row, $0]) }
            means.append((name, RecipeSupport.mean(values)))
            marks.append(.line(x: positions, y: values, label: name == "bias" ? "biases" : name))
        }
        let ranked = means.sorted { $0.1 > $1.1 }
        let caption = "The contribution of each component to the correct (previous) token's logit, through the final LayerNorm's scale. " +
            "Largest on average: " + ranked.prefix(2).map { "\($0.0) (\(RecipeSupport.format($0.1, digits: 1)))" }.joined(separator: " and ") + "."
        let panel = Panel(xLabel: "position", yLabel: "logit contribution", marks: marks,
                          xTicks: RecipeSupport.positionTicks(n), legend: .best)
        return RecipeOutput(figure: Figure(panel, size: RecipeSupport.singleSize), caption: caption)
    }

    /// MLP 0's neurons by position, sorted by where they peak.
    public static let mlpNeurons = Recipe(name: "mlp_neurons", title: "MLP 0 neurons by position") { runs throws(RecipeError) in
        let run = try runs.mainRun(for: "mlp_neurons")
        guard run.config.dMLP != nil else { throw .missingRuns(recipe: "mlp_neurons", need: "a model with MLPs") }
        let activation = try run.array(.mlpActivation(layer: 0))   // [n_ctx, d_mlp]
        let (n, neurons) = (activation.shape[0], activation.shape[1])
        // Live neurons first, sorted by the position of their peak mean activation.
        let peak = (0..<neurons).map { neuron in (0..<n).max { activation[$0, neuron] < activation[$1, neuron] }! }
        let live = (0..<neurons).filter { neuron in (0..<n).contains { activation[$0, neuron] > 0 } }
        let order = live.sorted { (peak[$0], $0) < (peak[$1], $1) }
        let values = order.flatMap { neuron in (0..<n).map { Double(activation[$0, neuron]) } }
        let panel = Panel(xLabel: "position", yLabel: "neuron (sorted by peak position)",
                          marks: [.heatmap(Matrix(rows: order.count, columns: n, values: values), scale: .magma)],
                          xTicks: RecipeSupport.positionTicks(n), yTicks: .hidden, colorbar: Colorbar(label: "mean activation"),
                          aspectEqual: false)
        let firing = run.summary.mlp.first { $0.layer == 0 }
        let early = order.filter { peak[$0] < n / 5 }.count
        var caption = "Mean post-ReLU activation of MLP 0's \(order.count) live neurons (of \(neurons)) at each position, sorted by where they peak; \(early) peak in the first fifth of the context."
        if let firing { caption += " Overall firing rate \(RecipeSupport.percent(firing.firingRate)), \(firing.deadNeurons) dead neurons." }
        return RecipeOutput(figure: Figure(panel, size: .inches(6.4, 5)), caption: caption)
    }

    /// Loss with each activation mean-ablated, and layer 0's attention ablated position by position.
    public static let meanAblation = Recipe(name: "mean_ablation", title: "Mean ablations") { runs throws(RecipeError) in
        let run = try runs.mainRun(for: "mean_ablation")
        let summary = run.summary
        let names = summary.ablations.map { Self.shortActivationName($0.activation) }
        let losses = summary.ablations.map(\.loss)
        let smallest = max(losses.filter { $0 > 0 }.min() ?? 1e-3, 1e-12)
        let floor = ReproducibleMath.power(10, Int((ReproducibleMath.log(smallest) / ReproducibleMath.log(10) - 0.3).rounded(.down)))
        let bars = Panel(title: "Each activation replaced by its mean", yLabel: "loss",
                         marks: [.bars(x: losses.indices.map(Double.init), heights: losses.map { max($0, floor) }, baseline: floor),
                                 .hline(summary.ablationBaselineLoss, color: .gray(0.3), label: "intact (\(RecipeSupport.format(summary.ablationBaselineLoss, digits: 4)))"),
                                 .hline(summary.uniformLoss, color: .gray(0.6), dash: .dotted, label: "uniform guess")],
                         yScale: .log, xTicks: .at(losses.indices.map(Double.init), labels: names), legend: .hidden)
        let byPosition = try run.array(.attentionAblationByPosition)
        let positions = (0..<byPosition.count).map(Double.init)
        let sweep = Panel(title: "Layer 0 attention ablated at one position", xLabel: "ablated position", yLabel: "loss",
                          marks: [.line(x: positions, y: byPosition.scalars.map(Double.init), marker: .circle),
                                  .hline(summary.ablationBaselineLoss, color: .gray(0.3))],
                          yScale: .log, xTicks: RecipeSupport.positionTicks(byPosition.count))
        let worst = zip(names, losses).max { $0.1 < $1.1 }
        let caption = "Loss when one activation is replaced by its mean over the batch at each position (dashed: intact, \(RecipeSupport.loss(summary.ablationBaselineLoss)); dotted: uniform guessing)" +
            (worst.map { "; the most damaging is \($0.0) (\(RecipeSupport.format($0.1, digits: 2)))" } ?? "") + "."
        return RecipeOutput(figure: Figure(size: .inches(11, 7.5), grid: [[bars], [sweep]]), caption: caption)
    }

    /// `blocks.0.attn.hook_pattern` -> "L0 pattern": short enough for a bar label (the layout
    /// wraps or turns it when the bars are narrow).
    static func shortActivationName(_ name: String) -> String {
        guard let hook = HookName(parsing: name) else { return name }
        let what: String
        switch hook {
        case .layerNorm(.final, _): return "final LN"
        case .layerNorm(.ln1, .scale): what = "LN1"
        case .layerNorm(.ln2, .scale): what = "LN2"
        case .attention(_, let point): what = point.rawValue
        case .mlp(_, let point): what = "mlp " + point.rawValue
        case .attnOut: what = "attn"
        case .mlpOut: what = "mlp"
        default: what = hook.point
        }
        return hook.layer.map { "L\($0) \(what)" } ?? what
    }
}
