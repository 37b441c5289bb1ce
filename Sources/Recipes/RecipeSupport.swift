import Analysis
import Foundation
import Plot
import Tensor
import Transformer

/// Small shared pieces of the recipes (the study's figures and the report's sections).
public enum RecipeSupport {
    /// The size of a one-panel figure in the gallery; wider figures set their own.
    static let singleSize = FigureSize.inches(6.4, 4.2)

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count) }

    static func standardDeviation(_ values: [Double]) -> Double {
        guard values.count > 1 else { return 0 }
        let m = mean(values)
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// A readable name for a residual stream, independent of whether the model has MLPs:
    /// the embedding, then after each layer's attention and after its MLP.
    static func streamLabel(_ stream: String, hasMLP: Bool) -> String {
        switch HookName(parsing: stream) {
        case .residPre(0): "embed"
        case .residMid(let layer): "L\(layer) attn"
        case .residPost(let layer): hasMLP ? "L\(layer) MLP" : "L\(layer) attn"
        default: stream
        }
    }

    /// The order of stream labels across designs.
    static func streamOrder(maxLayers: Int) -> [String] {
        ["embed"] + (0..<maxLayers).flatMap { ["L\($0) attn", "L\($0) MLP"] }
    }

    /// A matrix for a heatmap from a 2-D tensor.
    public static func matrix(_ tensor: Tensor) -> Matrix {
        Matrix(rows: tensor.shape[0], columns: tensor.shape[1], values: tensor.scalars)
    }

    /// Ticks at whole positions (every 5 or 10), so no position reads "2.5".
    public static func positionTicks(_ n: Int, from start: Int = 0) -> TickSpec {
        let step = n > 30 ? 10 : 5
        let values = stride(from: (start + step - 1) / step * step, to: n, by: step).map(Double.init)
        return .at(values, labels: values.map { String(Int($0)) })
    }

    static func format(_ value: Double, digits: Int = 2) -> String { MetricText.score(value, digits: digits) }

    /// A loss: fixed-point down to 0.001, scientific below (so 2e-7 does not read "0.000").
    static func loss(_ value: Double) -> String {
        abs(value) >= 1e-3 || value == 0 ? String(format: "%.4f", value) : String(format: "%.1e", value)
    }

    /// Percent with one decimal, as the summary's derived metrics are printed everywhere.
    static func percent(_ fraction: Double) -> String { MetricText.percent(fraction) }
}
