import Tensor

/// Principal components of a cloud of points, from an eigendecomposition of its covariance.
///
/// The covariance is `d x d` (d_model), so one product over the `n x d` points and one small
/// symmetric eigendecomposition do the work, however many points there are.
public struct PrincipalComponents: Sendable {
    /// The mean point, `[d]`.
    public var mean: Tensor
    /// The top components as rows, `[k, d]`, unit length. Each is signed so that its largest
    /// coordinate is positive (scikit-learn's `svd_flip` convention; `LinearAlgebra` already
    /// returns them so), since an eigenvector's sign is otherwise arbitrary.
    public var components: Tensor
    /// The variance along each component (eigenvalues of the covariance), descending.
    public var variances: [Float]
    /// Each component's share of the total variance.
    public var explainedVarianceRatio: [Float]

    /// Fits the top `k` components of `points` (`[n, d]`).
    public init(points: Tensor, k: Int) throws(AnalysisError) {
        guard points.rank == 2, points.shape[0] >= 2 else {
            throw .badInput("PCA needs an [n, d] matrix with n >= 2, got \(points.shape)")
        }
        let (n, d) = (points.shape[0], points.shape[1])
        mean = points.meanOverFirstAxis()
        let centered = points.addingRowVector(mean * -1)
        let covariance = centered.matmul(centered, transposeSelf: true) * (1 / Float(n - 1))
        let eigen: LinearAlgebra.SymmetricEigen
        do { eigen = try LinearAlgebra.symmetricEigen(covariance) } catch {
            throw .badInput("PCA: \(error)")
        }
        let kept = min(k, d)
        let total = eigen.values.reduce(0) { $0 + Double(max($1, 0)) }
        variances = Array(eigen.values.prefix(kept)).map { max($0, 0) }
        explainedVarianceRatio = variances.map { total > 0 ? Float(Double($0) / total) : 0 }
        components = Tensor(shape: [kept, d], scalars: Array(eigen.vectors.scalars.prefix(kept * d)))
    }

    /// The coordinates of `points` (`[n, d]`) on the first `count` components: `[n, count]`.
    public func project(_ points: Tensor, count: Int? = nil) -> Tensor {
        let used = min(count ?? components.shape[0], components.shape[0])
        let basis = Tensor(shape: [used, components.shape[1]],
                           scalars: Array(components.scalars.prefix(used * components.shape[1])))
        return points.addingRowVector(mean * -1).matmul(basis, transposeOther: true)
    }
}
