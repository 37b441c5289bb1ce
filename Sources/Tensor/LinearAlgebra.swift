/// Symmetric eigendecomposition and SVD by Jacobi rotations, in `Double`, for the small matrices
/// the analyses need (d_model-sized covariances and weight matrices).
///
/// LAPACK's results depend on the library build and on the CPU kernel it picks; these depend
/// only on the input: the rotations run in a fixed cyclic order, built from +, −, ×, ÷ and sqrt.
/// Both routines stop after `maxSweeps` sweeps at most, and say so instead of spinning.
///
/// Sign convention: every eigenvector and every left singular vector is flipped, if needed, so
/// that its largest-magnitude entry (the first one, on ties) is positive (scikit-learn's
/// `svd_flip`); a singular vector's right partner flips with it.
public enum LinearAlgebra {
    /// Eigenvalues in descending order, with the matching unit eigenvectors as the rows of `vectors`.
    public struct SymmetricEigen: Sendable {
        public var values: [Float]
        /// `[n, n]`: row `i` is the eigenvector of `values[i]`.
        public var vectors: Tensor
    }

    /// The singular value decomposition `A = U diag(S) Vt` of an `[m, n]` matrix, thin:
    /// with `r = min(m, n)`, `u` is `[m, r]`, `singularValues` has `r` entries (descending) and
    /// `vt` is `[r, n]`.
    public struct SVD: Sendable {
        public var u: Tensor
        public var singularValues: [Float]
        public var vt: Tensor
    }

    /// Sweeps after which a decomposition gives up. Jacobi converges quadratically; the
    /// analyses' matrices need fewer than 15.
    public static let maxSweeps = 60

    /// Decomposes a symmetric `[n, n]` matrix (its upper triangle is mirrored onto the lower).
    public static func symmetricEigen(_ matrix: Tensor) throws(LinearAlgebraError) -> SymmetricEigen {
        guard matrix.rank == 2, matrix.shape[0] == matrix.shape[1] else {
            throw .notSquare(shape: matrix.shape)
        }
        try requireFinite(matrix)
        let n = matrix.shape[0]
        if n == 0 { return SymmetricEigen(values: [], vectors: matrix) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { a[i * n + j] = Double(matrix.scalars[i * n + j]); a[j * n + i] = a[i * n + j] } }
        // Columns of v are the eigenvectors.
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        var converged = false
        for _ in 0..<maxSweeps {
            var off = 0.0, diagonal = 0.0
            for i in 0..<n {
                diagonal += a[i * n + i] * a[i * n + i]
                for j in (i + 1)..<max(i + 1, n) { off += a[i * n + j] * a[i * n + j] }
            }
            if off <= 1e-30 * diagonal || off == 0 { converged = true; break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if apq == 0 { continue }
                    let (c, s) = rotation(a[p * n + p], a[q * n + q], apq)
                    // A <- Jᵀ A J on rows and columns p, q.
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    a[p * n + q] = 0; a[q * n + p] = 0
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        guard converged else { throw .notConverged(routine: "symmetric eigendecomposition", sweeps: maxSweeps) }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] || (a[$0 * n + $0] == a[$1 * n + $1] && $0 < $1) }
        var vectors = [Float](repeating: 0, count: n * n)
        for (row, column) in order.enumerated() {
            let sign = signToMakeLargestPositive((0..<n).map { v[$0 * n + column] })
            for k in 0..<n { vectors[row * n + k] = Float(sign * v[k * n + column]) }
        }
        return SymmetricEigen(values: order.map { Float(a[$0 * n + $0]) }, vectors: Tensor(shape: [n, n], scalars: vectors))
    }

    /// The thin SVD of an `[m, n]` matrix, by one-sided Jacobi on the columns (Hestenes).
    public static func svd(_ matrix: Tensor) throws(LinearAlgebraError) -> SVD {
        guard matrix.rank == 2 else { throw .notAMatrix(shape: matrix.shape) }
        try requireFinite(matrix)
        let (m, n) = (matrix.shape[0], matrix.shape[1])
        if min(m, n) == 0 {
            return SVD(u: Tensor(shape: [m, 0]), singularValues: [], vt: Tensor(shape: [0, n]))
        }
        if m < n {
            // Aᵀ = U' S V'ᵀ gives A = V' S U'ᵀ.
            let t = try svd(matrix.transposed())
            return SVD(u: t.vt.transposed(), singularValues: t.singularValues, vt: t.u.transposed())
        }
        // Columns of `w` (m x n, column-major here) rotate until orthogonal; `v` follows them.
        var w = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { w[j * m + i] = Double(matrix.scalars[i * n + j]) } }
        var v = [Double](repeating: 0, count: n * n)
        for j in 0..<n { v[j * n + j] = 1 }
        var converged = false
        for _ in 0..<maxSweeps {
            var rotated = false
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n {
                    var alpha = 0.0, beta = 0.0, gamma = 0.0
                    for i in 0..<m {
                        let x = w[p * m + i], y = w[q * m + i]
                        alpha += x * x; beta += y * y; gamma += x * y
                    }
                    if gamma == 0 || Swift.abs(gamma) <= 1e-15 * (alpha * beta).squareRoot() { continue }
                    rotated = true
                    let (c, s) = rotation(alpha, beta, gamma)
                    for i in 0..<m {
                        let x = w[p * m + i], y = w[q * m + i]
                        w[p * m + i] = c * x - s * y
                        w[q * m + i] = s * x + c * y
                    }
                    for i in 0..<n {
                        let x = v[p * n + i], y = v[q * n + i]
                        v[p * n + i] = c * x - s * y
                        v[q * n + i] = s * x + c * y
                    }
                }
            }
            if !rotated { converged = true; break }
        }
        guard converged else { throw .notConverged(routine: "singular value decomposition", sweeps: maxSweeps) }
        let norms = (0..<n).map { j in (0..<m).reduce(0.0) { $0 + w[j * m + $1] * w[j * m + $1] }.squareRoot() }
        let order = (0..<n).sorted { norms[$0] > norms[$1] || (norms[$0] == norms[$1] && $0 < $1) }
        // U's columns: the normalised columns of w; those of zero singular values complete an
        // orthonormal basis.
        var uColumns: [[Double]] = []
        for j in order {
            if norms[j] > 0 {
                uColumns.append((0..<m).map { w[j * m + $0] / norms[j] })
            } else {
                uColumns.append(orthogonalComplement(to: uColumns, dimension: m))
            }
        }
        var u = [Float](repeating: 0, count: m * n), vt = [Float](repeating: 0, count: n * n)
        for (column, j) in order.enumerated() {
            let sign = signToMakeLargestPositive(uColumns[column])
            for i in 0..<m { u[i * n + column] = Float(sign * uColumns[column][i]) }
            for k in 0..<n { vt[column * n + k] = Float(sign * v[j * n + k]) }
        }
        return SVD(u: Tensor(shape: [m, n], scalars: u), singularValues: order.map { Float(norms[$0]) },
                   vt: Tensor(shape: [n, n], scalars: vt))
    }

    /// The Jacobi rotation (c, s) that zeroes the off-diagonal `gamma` of [[alpha, gamma], [gamma, beta]].
    static func rotation(_ alpha: Double, _ beta: Double, _ gamma: Double) -> (c: Double, s: Double) {
        let zeta = (beta - alpha) / (2 * gamma)
        let t = zeta.magnitude > 1e150
            ? 1 / (2 * zeta)
            : (zeta >= 0 ? 1 : -1) / (zeta.magnitude + (1 + zeta * zeta).squareRoot())
        let c = 1 / (1 + t * t).squareRoot()
        return (c, c * t)
    }

    /// 1 or −1, whichever makes the vector's largest-magnitude entry (the first, on ties) positive.
    static func signToMakeLargestPositive(_ vector: [Double]) -> Double {
        var largest = 0
        for i in vector.indices where vector[i].magnitude > vector[largest].magnitude { largest = i }
        return vector.isEmpty || vector[largest] >= 0 ? 1 : -1
    }

    /// A unit vector orthogonal to `basis` (orthonormal columns), from the first standard basis
    /// vector that is not in their span (Gram-Schmidt, twice for accuracy).
    static func orthogonalComplement(to basis: [[Double]], dimension m: Int) -> [Double] {
        for e in 0..<m {
            var x = [Double](repeating: 0, count: m)
            x[e] = 1
            for _ in 0..<2 {
                for b in basis {
                    let dot = (0..<m).reduce(0.0) { $0 + b[$1] * x[$1] }
                    for i in 0..<m { x[i] -= dot * b[i] }
                }
            }
            let norm = x.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
            if norm > 0.5 { return x.map { $0 / norm } }
        }
        return [Double](repeating: 0, count: m)
    }

    static func requireFinite(_ matrix: Tensor) throws(LinearAlgebraError) {
        if let index = matrix.scalars.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(shape: matrix.shape, index: index)
        }
    }
}

/// Why a decomposition could not be computed.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    case notSquare(shape: [Int])
    case notAMatrix(shape: [Int])
    case nonFinite(shape: [Int], index: Int)
    case notConverged(routine: String, sweeps: Int)

    public var description: String {
        switch self {
        case .notSquare(let shape): "expected a square matrix, got shape \(shape)"
        case .notAMatrix(let shape): "expected a matrix, got shape \(shape)"
        case let .nonFinite(shape, index):
            "the \(shape) matrix holds a non-finite value (flat index \(index)); check the weights or activations it came from"
        case let .notConverged(routine, sweeps):
            "the \(routine) did not converge in \(sweeps) Jacobi sweeps; the matrix may be badly scaled"
        }
    }
}
