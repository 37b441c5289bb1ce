import Foundation
import Analysis
import Plot
import Tensor

extension Recipe {
    /// QK and OV circuits in the token basis, and the composition scores between layers.
    public static let weightProducts = Recipe(name: "weight_products", title: "Weight products and composition") { runs throws(RecipeError) in
        let run = try runs.mainRun(for: "weight_products")
        let c = run.config
        let lastLayer = c.nLayers - 1
        let qk = try run.array(.qkTokens(HeadID(layer: 0, head: 0)))
        let ov = try run.array(.ovTokens(HeadID(layer: lastLayer, head: 0)))
        var panels = [
            Panel(title: "QK, layer 0: E W<sub>Q</sub> W<sub>K</sub><sup>T</sup> E<sup>T</sup>", xLabel: "key token", yLabel: "query token",
                  marks: [.heatmap(RecipeSupport.matrix(qk), scale: .diverging)], colorbar: Colorbar(label: "score")),
            Panel(title: "OV, layer \(lastLayer): E W<sub>V</sub> W<sub>O</sub> W<sub>U</sub>", xLabel: "logit of token", yLabel: "attended token",
                  marks: [.heatmap(RecipeSupport.matrix(ov), scale: .diverging)], colorbar: Colorbar(label: "logit")),
        ]
        // Composition: rows are earlier heads, columns Q/K/V of each later head.
        let entries = run.summary.composition
        let earlier = Array(Set(entries.map { "L\($0.earlierLayer)H\($0.earlierHead)" })).sorted()
        let later = Array(Set(entries.map { "L\($0.laterLayer)H\($0.laterHead)" })).sorted()
        let kinds = ["q", "k", "v"]
        // With one later head the columns are just Q, K, V (the axis label names the head).
        let columns = later.flatMap { head in kinds.map { later.count == 1 ? $0.uppercased() : "\(head) \($0.uppercased())" } }
        // One pair of heads has three numbers, which the caption states; a table shows more.
        if earlier.count * later.count > 1 {
            var values = [Double](repeating: .nan, count: earlier.count * columns.count)
            for entry in entries {
                let row = earlier.firstIndex(of: "L\(entry.earlierLayer)H\(entry.earlierHead)")!
                let column = later.firstIndex(of: "L\(entry.laterLayer)H\(entry.laterHead)")! * 3 + kinds.firstIndex(of: entry.kind.rawValue)!
                values[row * columns.count + column] = entry.score
            }
            panels.append(Panel(title: "Composition scores", xLabel: later.count == 1 ? "composition into \(later[0])" : "later head", yLabel: "earlier head",
                                marks: [.heatmap(Matrix(rows: earlier.count, columns: columns.count, values: values),
                                                 scale: ColorScale(.magma, norm: .linear(min: 0)), annotate: true,
                                                 rowLabels: earlier, columnLabels: columns)],
                                colorbar: Colorbar(label: "‖W<sub>A</sub>W<sub>B</sub>‖ / ‖W<sub>A</sub>‖‖W<sub>B</sub>‖")))
        }
        guard let copying = run.summary.heads.first(where: { $0.layer == lastLayer && $0.head == 0 })?.copying else {
            throw .badInput(path: run.folder + "/" + AnalysisFolder.summaryFile, reason: "no head L\(lastLayer)H0; run `rederive analyze` again")
        }
        var caption = "In the token basis, layer \(lastLayer)'s OV circuit ranks the attended token's own logit first for \(MetricText.percent(copying.share)) of tokens " +
            "(chance \(MetricText.percent(copying.chance)))."
        let maxima = run.summary.compositionMaxima, ratio = "‖W_A W_B‖ / (‖W_A‖ ‖W_B‖)"
        if entries.count == maxima.count, !maxima.isEmpty {
            // One pair of heads: its three scores.
            caption += " Composition scores of layer 0 into layer 1, \(ratio): " + maxima.map { "\($0.kind.rawValue.uppercased()) \(MetricText.score($0.score))" }.joined(separator: ", ") + "."
        } else if !maxima.isEmpty {
            caption += " Strongest composition scores, \(ratio): " + maxima.map {
                "\($0.kind.rawValue.uppercased()) \(MetricText.score($0.score)) (\(HeadID(layer: $0.earlierLayer, head: $0.earlierHead)) into \(HeadID(layer: $0.laterLayer, head: $0.laterHead)))"
            }.joined(separator: ", ") + "."
        }
        return RecipeOutput(figure: Figure(size: .inches(panels.count == 2 ? 10 : 14, 4.4), grid: [panels]), caption: caption)
    }
}
