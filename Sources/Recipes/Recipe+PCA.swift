import Analysis
import Foundation
import Plot
import Tensor
import Transformer

extension Recipe {
    /// PCA of the residual stream after layer 0's attention and after MLP 0, coloured by position.
    public static let residualPCA = Recipe(name: "residual_pca", title: "PCA of the residual stream") { runs throws(RecipeError) in
        let run = try runs.mainRun(for: "residual_pca")
        let streams = run.config.dMLP != nil
            ? [(HookName.residMid(0), "After layer 0 attention"), (.residPost(0), "After MLP 0")]
            : [(HookName.residPre(0), "Embedding"), (.residPost(0), "After layer 0 attention")]
        var panels = [Panel]()
        var shares = [String]()
        for (hook, title) in streams {
            let stream = hook.name
            let projection = try run.array(.pcaProjection(hook))   // [seqs, n_ctx, 3]
            guard let pca = run.summary.pca.first(where: { $0.stream == stream }), pca.explainedVarianceRatio.count >= 2 else {
                throw .badInput(path: run.folder + "/" + AnalysisFolder.summaryFile, reason: "no PCA of \(stream)")
            }
            // At most 128 sequences: enough to show the structure, few enough to stay legible.
            let (sequences, n) = (min(projection.shape[0], 128), projection.shape[1])
            var x = [Double](), y = [Double](), position = [Double]()
            for s in 0..<sequences {
                for p in 0..<n {
                    x.append(Double(projection[s, p, 0]))
                    y.append(Double(projection[s, p, 1]))
                    position.append(Double(p))
                }
            }
            let (pc1, pc2) = (pca.explainedVarianceRatio[0], pca.explainedVarianceRatio[1])
            shares.append("\(title.lowercased()): \(RecipeSupport.percent(Double(pc1 + pc2)))")
            panels.append(Panel(title: title, xLabel: "PC1 (\(RecipeSupport.percent(Double(pc1))) of variance)",
                                yLabel: "PC2 (\(RecipeSupport.percent(Double(pc2))))",
                                marks: [.scatter(x: x, y: y, values: position, size: 5, alpha: 0.8)],
                                colorbar: Colorbar(label: "position")))
        }
        let caption = "Each dot is one token's residual vector projected on its first two principal components, coloured by its position. " +
            "The first two components explain \(shares.joined(separator: "; ")) of the variance."
        return RecipeOutput(figure: Figure(size: .inches(10, 4.2), grid: [panels]), caption: caption)
    }
}
