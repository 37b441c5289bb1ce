import Tensor

/// A linear probe that regresses a scalar (the position index) on a residual vector.
///
/// Closed-form ridge regression with an intercept: centre the training features and targets,
/// then solve `(XᵀX + λI) w = Xᵀy` through the eigendecomposition of `XᵀX` (in `Double` for the
/// solve). `λ = ridgeFraction · trace(XᵀX) / d`, i.e. relative to the features' scale, so the
/// same setting suits every residual stream.
public struct RidgeProbe: Sendable {
    public var weights: [Double]
    public var intercept: Double

    public static let defaultRidgeFraction = 1e-4

    public init(features: Tensor, targets: [Float], ridgeFraction: Double = defaultRidgeFraction) throws(AnalysisError) {
        guard features.rank == 2, features.shape[0] == targets.count, targets.count >= 2 else {
            throw .badInput("ridge probe: features \(features.shape) do not match \(targets.count) targets")
        }
        let d = features.shape[1]
        let featureMean = features.meanOverFirstAxis()
        let centered = features.addingRowVector(featureMean * -1)
        let targetMean = targets.reduce(0.0) { $0 + Double($1) } / Double(targets.count)
        let gram = centered.matmul(centered, transposeSelf: true)
        let centeredTargets = Tensor(shape: [targets.count, 1], scalars: targets.map { Float(Double($0) - targetMean) })
        let moment = centered.matmul(centeredTargets, transposeSelf: true).scalars.map(Double.init)

        let eigen: LinearAlgebra.SymmetricEigen
        do { eigen = try LinearAlgebra.symmetricEigen(gram) } catch { throw .badInput("ridge probe: \(error)") }
        let trace = (0..<d).reduce(0.0) { $0 + Double(gram[$1, $1]) }
        let lambda = max(ridgeFraction * trace / Double(max(d, 1)), 1e-12)
        // w = V diag(1 / (λ_i + λ)) Vᵀ b
        var w = [Double](repeating: 0, count: d)
        for i in 0..<d {
            var projection = 0.0
            for j in 0..<d { projection += Double(eigen.vectors[i, j]) * moment[j] }
            let scale = projection / (Double(eigen.values[i]) + lambda)
            for j in 0..<d { w[j] += scale * Double(eigen.vectors[i, j]) }
        }
        weights = w
        intercept = targetMean - zip(w, featureMean.scalars).reduce(0.0) { $0 + $1.0 * Double($1.1) }
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
