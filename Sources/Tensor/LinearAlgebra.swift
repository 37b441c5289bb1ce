/// Symmetric eigendecomposition (Householder tridiagonalisation and implicit QL, in
/// `LinearAlgebra+SymmetricEigen.swift`) and SVD (one-sided Jacobi), in `Double`, for the small
/// matrices the analyses need (d_model-sized covariances and weight matrices).
///
/// LAPACK's results depend on the library build and on the CPU kernel it picks; these depend
/// only on the input: every loop runs in a fixed order, built from +, −, ×, ÷ and sqrt. Both
/// routines stop after a bounded number of iterations, and say so instead of spinning.
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

    /// Sweeps after which the SVD gives up. Jacobi converges quadratically; the analyses'
    /// matrices need fewer than 15.
    public static let maxSweeps = 60

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
        let converged = w.withUnsafeMutableBufferPointer { w in
            v.withUnsafeMutableBufferPointer { v in
                for _ in 0..<maxSweeps {
                    if !oneSidedJacobiSweep(w.baseAddress!, rows: m, v.baseAddress!, columns: n) { return true }
                }
                return false
            }
        }
        guard converged else { throw .notConverged(routine: "singular value decomposition", iterations: maxSweeps) }
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

    /// One cyclic sweep of one-sided Jacobi over the column pairs of `w` (column-major, `rows`
    /// long), applying each rotation to `v`'s columns too. Returns whether anything rotated.
    static func oneSidedJacobiSweep(_ w: UnsafeMutablePointer<Double>, rows m: Int,
                                    _ v: UnsafeMutablePointer<Double>, columns n: Int) -> Bool {
        var rotated = false
        for p in 0..<(n - 1) {
            for q in (p + 1)..<n {
                let wp = w + p * m, wq = w + q * m
                var alpha = 0.0, beta = 0.0, gamma = 0.0
                for i in 0..<m {
                    let x = wp[i], y = wq[i]
                    alpha += x * x; beta += y * y; gamma += x * y
                }
                if gamma == 0 || Swift.abs(gamma) <= 1e-15 * (alpha * beta).squareRoot() { continue }
                rotated = true
                let (c, s) = rotation(alpha, beta, gamma)
                rotate(wp, wq, count: m, c, s)
                rotate(v + p * n, v + q * n, count: n, c, s)
            }
        }
        return rotated
    }

    /// Solves `A x = b` for a symmetric positive definite `A` (row-major, `dimension` square) by
    /// Cholesky factorisation `A = L Lᵀ`, then two triangular solves.
    public static func solvePositiveDefinite(_ a: [Double], dimension n: Int,
                                             rightHandSide b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard a.count == n * n, b.count == n else { throw .notSquare(shape: [a.count / max(n, 1), n]) }
        if let index = a.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(shape: [n, n], index: index) }
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var diagonal = a[j * n + j]
            for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
            guard diagonal > 0 else { throw .notPositiveDefinite(dimension: n) }
            let root = diagonal.squareRoot()
            l[j * n + j] = root
            for i in (j + 1)..<max(j + 1, n) {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = sum / root
            }
        }
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<max(i + 1, n) { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }

    /// (x, y) <- (c x − s y, s x + c y), elementwise over `count` entries.
    @inline(__always)
    static func rotate(_ x: UnsafeMutablePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int,
                       _ c: Double, _ s: Double) {
        for i in 0..<count {
            let u = x[i], w = y[i]
            x[i] = c * u - s * w
            y[i] = s * u + c * w
        }
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
    /// An iterative routine stopped at its bound: `iterations` counts Jacobi sweeps for the SVD
    /// and QL iterations for the eigendecomposition.
    case notConverged(routine: String, iterations: Int)
    case notPositiveDefinite(dimension: Int)

    public var description: String {
        switch self {
        case .notSquare(let shape): "expected a square matrix, got shape \(shape)"
        case .notAMatrix(let shape): "expected a matrix, got shape \(shape)"
        case let .nonFinite(shape, index):
            "the \(shape) matrix holds a non-finite value (flat index \(index)); check the weights or activations it came from"
        case .notPositiveDefinite(let n):
            "the \(n) x \(n) system is not positive definite; the features may be constant or collinear"
        case let .notConverged(routine, iterations):
            "the \(routine) did not converge in \(iterations) iterations; the matrix may be badly scaled"
        }
    }
}
