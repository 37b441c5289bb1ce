import Tensor

/// A linear probe that regresses a scalar (the position index) on a residual vector.
///
/// Closed-form ridge regression with an intercept: centre the training features and targets,
/// then solve `(XᵀX + λI) w = Xᵀy` by Cholesky. `λ = ridgeFraction · trace(XᵀX) / d`, i.e.
/// relative to the features' scale, so the same setting suits every residual stream.
///
/// The means, XᵀX and Xᵀy are accumulated in `Double`, each entry as one fixed chain of fmas
/// over the rows: in float32 a Gram matrix of 30,000 sequences lost enough to stop being
/// positive definite, and the result must not depend on the evaluation size.
public struct RidgeProbe: Sendable {
    public var weights: [Double]
    public var intercept: Double

    public static let defaultRidgeFraction = 1e-4

    public init(features: Tensor, targets: [Float], ridgeFraction: Double = defaultRidgeFraction) throws(AnalysisError) {
        guard features.rank == 2, features.shape[0] == targets.count, targets.count >= 2 else {
            throw .badInput("ridge probe: features \(features.shape) do not match \(targets.count) targets")
        }
        let (n, d) = (targets.count, features.shape[1])
        let x = features.scalars
        var featureMean = [Double](repeating: 0, count: d)
        for row in 0..<n { for j in 0..<d { featureMean[j] += Double(x[row * d + j]) } }
        for j in 0..<d { featureMean[j] /= Double(n) }
        let targetMean = targets.reduce(0.0) { $0 + Double($1) } / Double(n)
        var gram = [Double](repeating: 0, count: d * d), moment = [Double](repeating: 0, count: d)
        var centered = [Double](repeating: 0, count: d)
        for row in 0..<n {
            for j in 0..<d { centered[j] = Double(x[row * d + j]) - featureMean[j] }
            let y = Double(targets[row]) - targetMean
            for i in 0..<d {
                let xi = centered[i]
                moment[i] = moment[i].addingProduct(xi, y)
                for j in i..<d { gram[i * d + j] = gram[i * d + j].addingProduct(xi, centered[j]) }
            }
        }
        for i in 0..<d { for j in 0..<i { gram[i * d + j] = gram[j * d + i] } }

        let trace = (0..<d).reduce(0.0) { $0 + gram[$1 * d + $1] }
        let lambda = max(ridgeFraction * trace / Double(max(d, 1)), 1e-12)
        for i in 0..<d { gram[i * d + i] += lambda }
        let w: [Double]
        do { w = try LinearAlgebra.solvePositiveDefinite(gram, dimension: d, rightHandSide: moment) } catch {
            throw .badInput("ridge probe: \(error)")
        }
        weights = w
        intercept = targetMean - zip(w, featureMean).reduce(0.0) { $0 + $1.0 * $1.1 }
    }

    public func predict(_ features: Tensor) -> [Double] {
        let d = weights.count
        return (0..<features.shape[0]).map { row in
            var total = intercept
            for j in 0..<d { total += weights[j] * Double(features.scalars[row * d + j]) }
            return total
        }
    }

    /// The coefficient of determination on held-out data: 1 − SS_res / SS_tot.
    public func rSquared(features: Tensor, targets: [Float]) -> Double {
        let predictions = predict(features)
        let mean = targets.reduce(0.0) { $0 + Double($1) } / Double(targets.count)
        var residual = 0.0, total = 0.0
        for (prediction, target) in zip(predictions, targets) {
            residual += (prediction - Double(target)) * (prediction - Double(target))
            total += (Double(target) - mean) * (Double(target) - mean)
        }
        return total > 0 ? 1 - residual / total : 0
    }
}
