import CBLAS

/// Eigendecomposition and SVD through OpenBLAS's LAPACK (`ssyevd_`, `sgesdd_`).
///
/// LAPACK is column-major. A symmetric matrix is its own transpose, and the SVD of a row-major
/// `A` is computed as the SVD of the column-major `A^T`, so no copies into column order are needed.
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

    /// Decomposes a symmetric `[n, n]` matrix. Only symmetry up to rounding is assumed:
    /// LAPACK reads one triangle.
    public static func symmetricEigen(_ matrix: Tensor) throws(LinearAlgebraError) -> SymmetricEigen {
        guard matrix.rank == 2, matrix.shape[0] == matrix.shape[1] else {
            throw .notSquare(shape: matrix.shape)
        }
        let n = matrix.shape[0]
        if n == 0 { return SymmetricEigen(values: [], vectors: matrix) }
        // Row-major A read as column-major is A^T = A; LAPACK overwrites it with eigenvectors
        // as columns, which read back row-major are rows.
        var a = matrix.scalars
        var w = [Float](repeating: 0, count: n)
        var info: Int32 = 0
        var n32 = Int32(n), lda = Int32(n)
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var lworkQuery: Int32 = -1, liworkQuery: Int32 = -1
        var workSize: Float = 0
        var iworkSize: Int32 = 0
        ssyevd_(&jobz, &uplo, &n32, &a, &lda, &w, &workSize, &lworkQuery, &iworkSize, &liworkQuery, &info, 1, 1)
        guard info == 0 else { throw .lapack(routine: "ssyevd", info: Int(info)) }
        var lwork = Int32(workSize.rounded(.up)), liwork = iworkSize
        var work = [Float](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        ssyevd_(&jobz, &uplo, &n32, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else { throw .lapack(routine: "ssyevd", info: Int(info)) }
        // LAPACK returns ascending order; reverse to descending.
        var vectors = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            let source = n - 1 - i
            for j in 0..<n { vectors[i * n + j] = a[source * n + j] }
        }
        return SymmetricEigen(values: w.reversed(), vectors: Tensor(shape: [n, n], scalars: vectors))
    }

    /// The thin SVD of an `[m, n]` matrix.
    public static func svd(_ matrix: Tensor) throws(LinearAlgebraError) -> SVD {
        guard matrix.rank == 2 else { throw .notAMatrix(shape: matrix.shape) }
        let (m, n) = (matrix.shape[0], matrix.shape[1])
        let r = min(m, n)
        if r == 0 {
            return SVD(u: Tensor(shape: [m, 0]), singularValues: [], vt: Tensor(shape: [0, n]))
        }
        // Row-major A[m, n] is column-major B = A^T [n, m]. Its SVD B = U' S V'^T gives
        // A = V' S U'^T, so A's U is V' and A's Vt is U'^T; read row-major, LAPACK's column-major
        // VT' [r, m] is exactly A's U [m, r], and its U' [n, r] is A's Vt [r, n].
        var b = matrix.scalars
        var rows = Int32(n), cols = Int32(m)
        var ldb = rows
        var s = [Float](repeating: 0, count: r)
        var uPrime = [Float](repeating: 0, count: n * r)   // column-major [n, r]
        var vtPrime = [Float](repeating: 0, count: r * m)  // column-major [r, m]
        var lduPrime = rows, ldvtPrime = Int32(r)
        var jobz = CChar(UInt8(ascii: "S"))
        var iwork = [Int32](repeating: 0, count: 8 * r)
        var info: Int32 = 0
        var lworkQuery: Int32 = -1
        var workSize: Float = 0
        sgesdd_(&jobz, &rows, &cols, &b, &ldb, &s, &uPrime, &lduPrime, &vtPrime, &ldvtPrime,
                &workSize, &lworkQuery, &iwork, &info, 1)
        guard info == 0 else { throw .lapack(routine: "sgesdd", info: Int(info)) }
        var lwork = Int32(workSize.rounded(.up))
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_(&jobz, &rows, &cols, &b, &ldb, &s, &uPrime, &lduPrime, &vtPrime, &ldvtPrime,
                &work, &lwork, &iwork, &info, 1)
        guard info == 0 else { throw .lapack(routine: "sgesdd", info: Int(info)) }
        return SVD(u: Tensor(shape: [m, r], scalars: vtPrime),
                   singularValues: s,
                   vt: Tensor(shape: [r, n], scalars: uPrime))
    }
}

/// Why a decomposition could not be computed.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    case notSquare(shape: [Int])
    case notAMatrix(shape: [Int])
    /// LAPACK's `info` code: negative means a bad argument, positive that it did not converge.
    case lapack(routine: String, info: Int)

    public var description: String {
        switch self {
        case .notSquare(let shape): "expected a square matrix, got shape \(shape)"
        case .notAMatrix(let shape): "expected a matrix, got shape \(shape)"
        case .lapack(let routine, let info):
            info < 0 ? "\(routine): argument \(-info) was invalid"
                     : "\(routine): did not converge (info \(info)); is the input finite?"
        }
    }
}
