import XCTest
import Tensor

final class LinearAlgebraTests: XCTestCase {
    func testSymmetricEigenOfKnownMatrix() throws {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, -1)/√2.
        let eigen = try LinearAlgebra.symmetricEigen(Tensor(shape: [2, 2], scalars: [2, 1, 1, 2]))
        XCTAssertEqual(eigen.values[0], 3, accuracy: 1e-5)
        XCTAssertEqual(eigen.values[1], 1, accuracy: 1e-5)
        let v = eigen.vectors
        XCTAssertEqual(abs(v[0, 0]), Float(0.5).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(v[0, 0], v[0, 1], accuracy: 1e-5)
        XCTAssertEqual(v[1, 0], -v[1, 1], accuracy: 1e-5)
    }

    func testSymmetricEigenReconstructsRandomMatrix() throws {
        var rng = RandomGenerator(seed: 3)
        let x = rng.normalTensor(shape: [6, 6])
        let symmetric = x + x.transposed()
        let eigen = try LinearAlgebra.symmetricEigen(symmetric)
        XCTAssertEqual(eigen.values, eigen.values.sorted(by: >))
        // A = Σ λ_i v_i v_iᵀ
        var rebuilt = Tensor.zeros([6, 6])
        for i in 0..<6 {
            let vi = eigen.vectors[slice: i].reshaped([6, 1])
            rebuilt += vi.matmul(vi, transposeOther: true) * eigen.values[i]
        }
        XCTAssertLessThan(rebuilt.maxAbsDifference(symmetric), 1e-4)
    }

    // MARK: Symmetric eigendecomposition against independent checks

    private func fixture(_ name: String) throws -> Tensor {
        try NumpyFile.readTensor(try XCTUnwrap(Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")))
    }

    /// max over i of |A v_i − λ_i v_i| (in Double) and of |VᵀV − I|.
    private func residualAndOrthogonality(_ a: Tensor, _ eigen: LinearAlgebra.SymmetricEigen) -> (residual: Double, orthogonality: Double) {
        let n = a.shape[0]
        let (m, v) = (a.scalars.map(Double.init), eigen.vectors.scalars.map(Double.init))
        var residual = 0.0, orthogonality = 0.0
        for i in 0..<n {
            for r in 0..<n {
                var av = 0.0
                for k in 0..<n { av += m[r * n + k] * v[i * n + k] }
                residual = max(residual, abs(av - Double(eigen.values[i]) * v[i * n + r]))
            }
            for j in 0..<n {
                var dot = 0.0
                for k in 0..<n { dot += v[i * n + k] * v[j * n + k] }
                orthogonality = max(orthogonality, abs(dot - (i == j ? 1 : 0)))
            }
        }
        return (residual, orthogonality)
    }

    /// Each eigenvector's largest-magnitude entry (the first, on ties) is positive.
    private func assertSignConvention(_ vectors: Tensor, file: StaticString = #filePath, line: UInt = #line) {
        for i in 0..<vectors.shape[0] {
            let row = vectors[slice: i].scalars
            let largest = row.indices.reduce(0) { abs(row[$1]) > abs(row[$0]) ? $1 : $0 }
            XCTAssertGreaterThan(row[largest], 0, "vector \(i)", file: file, line: line)
        }
    }

    /// NumPy's LAPACK `eigh` (in float64) on a 48 x 48 matrix with distinct eigenvalues: the
    /// same values, and the same vectors under the same sign convention.
    func testSymmetricEigenMatchesNumpyEigh() throws {
        let a = try fixture("eigh.npy")
        let eigen = try LinearAlgebra.symmetricEigen(a)
        let values = try fixture("eigh_values.npy"), vectors = try fixture("eigh_vectors.npy")
        XCTAssertLessThan(zip(eigen.values, values.scalars).map { abs($0 - $1) }.max()!, 2e-6)
        XCTAssertLessThan(eigen.vectors.maxAbsDifference(vectors), 1e-4)
        assertSignConvention(eigen.vectors)
    }

    /// The classic two-sided cyclic Jacobi method (the solver this one replaced), an independent
    /// algorithm, on a random 40 x 40 covariance.
    func testSymmetricEigenAgreesWithJacobi() throws {
        var rng = RandomGenerator(seed: 11)
        let x = rng.normalTensor(shape: [60, 40])
        let covariance = x.matmul(x, transposeSelf: true) * (1 / 60)
        let eigen = try LinearAlgebra.symmetricEigen(covariance)
        let reference = jacobiEigen(covariance)
        XCTAssertLessThan(zip(eigen.values, reference.values).map { abs(Double($0) - $1) }.max()!, 1e-5)
        for i in 0..<40 {
            // Distinct eigenvalues: the vectors agree up to sign, and the sign convention fixes it.
            let row = reference.vectors[i]
            let largest = row.indices.reduce(0) { abs(row[$1]) > abs(row[$0]) ? $1 : $0 }
            let sign = row[largest] < 0 ? -1.0 : 1.0
            for k in 0..<40 { XCTAssertEqual(Double(eigen.vectors[i, k]), sign * row[k], accuracy: 1e-4, "vector \(i)") }
        }
    }

    func testSymmetricEigenResidualsAndOrthonormalityOnALargeMatrix() throws {
        var rng = RandomGenerator(seed: 12)
        let x = rng.normalTensor(shape: [96, 96])
        let a = (x + x.transposed()) * 0.5
        let eigen = try LinearAlgebra.symmetricEigen(a)
        XCTAssertEqual(eigen.values, eigen.values.sorted(by: >))
        let (residual, orthogonality) = residualAndOrthogonality(a, eigen)
        XCTAssertLessThan(residual, 1e-5)
        XCTAssertLessThan(orthogonality, 1e-6)
        assertSignConvention(eigen.vectors)
    }

    /// The tridiagonal Toeplitz matrix tridiag(−1, 2, −1) of size n has eigenvalues
    /// 2 − 2 cos(kπ / (n + 1)) and eigenvectors sin(jkπ / (n + 1)).
    func testSymmetricEigenOfSecondDifferenceMatrix() throws {
        let n = 30
        let a = Tensor(shape: [n, n], generating: { i in
            let (r, c) = (i / n, i % n)
            return r == c ? 2 : abs(r - c) == 1 ? -1 : 0
        })
        let eigen = try LinearAlgebra.symmetricEigen(a)
        for (index, k) in (1...n).reversed().enumerated() {
            let angle = Double(k) * Double.pi / Double(n + 1)
            XCTAssertEqual(Double(eigen.values[index]), 2 - 2 * cos(angle), accuracy: 1e-6)
            let exact = (1...n).map { sin(Double($0) * angle) }
            let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let dot = (0..<n).reduce(0.0) { $0 + Double(eigen.vectors[index, $1]) * exact[$1] / norm }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-5, "k = \(k)")
        }
    }

    /// Repeated eigenvalues: A = H D Hᵀ with a Householder reflection H and D = diag(5, 5, 5, 2, 2,
    /// −1, 0, 0). Within a repeated eigenvalue the vectors are any orthonormal basis of its
    /// eigenspace, so the test compares the eigenspaces' projectors, not the vectors.
    func testSymmetricEigenWithRepeatedEigenvalues() throws {
        let n = 8
        let diagonal: [Double] = [5, 5, 5, 2, 2, -1, 0, 0]
        let u: [Double] = [1, -2, 0.5, 3, -1, 0.25, 2, -0.75]
        let uu = u.reduce(0) { $0 + $1 * $1 }
        let h = (0..<(n * n)).map { i in (i / n == i % n ? 1 : 0) - 2 * u[i / n] * u[i % n] / uu }   // symmetric, orthogonal
        let a = Tensor(shape: [n, n], generating: { i in
            Float((0..<n).reduce(0.0) { $0 + h[(i / n) * n + $1] * diagonal[$1] * h[(i % n) * n + $1] })
        })
        let eigen = try LinearAlgebra.symmetricEigen(a)
        for (ours, exact) in zip(eigen.values, [5, 5, 5, 2, 2, 0, 0, -1] as [Float]) { XCTAssertEqual(ours, exact, accuracy: 1e-5) }
        let (residual, orthogonality) = residualAndOrthogonality(a, eigen)
        XCTAssertLessThan(residual, 1e-5)
        XCTAssertLessThan(orthogonality, 1e-6)
        for (ours, columns) in [(0..<3, [0, 1, 2]), (3..<5, [3, 4]), (5..<7, [6, 7]), (7..<8, [5])] {
            for r in 0..<n {
                for c in 0..<n {
                    let projector = ours.reduce(0.0) { $0 + Double(eigen.vectors[$1, r]) * Double(eigen.vectors[$1, c]) }
                    let exact = columns.reduce(0.0) { $0 + h[r * n + $1] * h[c * n + $1] }
                    XCTAssertEqual(projector, exact, accuracy: 1e-5)
                }
            }
        }
        assertSignConvention(eigen.vectors)
    }

    func testSymmetricEigenOfDegenerateAndTinyMatrices() throws {
        // The identity and the zero matrix: every vector is an eigenvector; the solver returns
        // the standard basis.
        for value: Float in [1, 0] {
            let eigen = try LinearAlgebra.symmetricEigen(Tensor(shape: [5, 5], generating: { $0 % 6 == 0 ? value : 0 }))
            XCTAssertEqual(eigen.values, Array(repeating: value, count: 5))
            XCTAssertEqual(eigen.vectors, Tensor(shape: [5, 5], generating: { $0 % 6 == 0 ? 1 : 0 }))
        }
        let one = try LinearAlgebra.symmetricEigen(Tensor(shape: [1, 1], scalars: [-3]))
        XCTAssertEqual(one.values, [-3])
        XCTAssertEqual(one.vectors.scalars, [1])
        let empty = try LinearAlgebra.symmetricEigen(Tensor(shape: [0, 0]))
        XCTAssertEqual(empty.values, [])
        // Already diagonal, out of order: sorted descending, with the matching basis vectors.
        let diagonal = try LinearAlgebra.symmetricEigen(Tensor(shape: [3, 3], scalars: [1, 0, 0, 0, 3, 0, 0, 0, 2]))
        XCTAssertEqual(diagonal.values, [3, 2, 1])
        XCTAssertEqual(diagonal.vectors.scalars, [0, 1, 0, 0, 0, 1, 1, 0, 0])
    }

    /// Huge and tiny scales (a covariance of activations near float32's limits) scale the
    /// eigenvalues and leave the vectors alone.
    func testSymmetricEigenIsScaleInvariant() throws {
        var rng = RandomGenerator(seed: 13)
        let x = rng.normalTensor(shape: [12, 12])
        let a = (x + x.transposed()) * 0.5
        let base = try LinearAlgebra.symmetricEigen(a)
        for scale: Float in [1e30, 1e-30] {
            let scaled = try LinearAlgebra.symmetricEigen(a * scale)
            for (s, b) in zip(scaled.values, base.values) { XCTAssertEqual(Double(s) / Double(scale), Double(b), accuracy: 1e-5) }
            XCTAssertLessThan(scaled.vectors.maxAbsDifference(base.vectors), 1e-5)
        }
    }

    func testSymmetricEigenRefusesNonFiniteInput() {
        XCTAssertThrowsError(try LinearAlgebra.symmetricEigen(Tensor(shape: [2, 2], scalars: [1, .nan, .nan, 1]))) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .nonFinite(shape: [2, 2], index: 1))
        }
    }

    /// Cyclic two-sided Jacobi in Double, eigenvectors as rows, values descending: the reference.
    private func jacobiEigen(_ matrix: Tensor) -> (values: [Double], vectors: [[Double]]) {
        let n = matrix.shape[0]
        var a = (0..<n).map { i in (0..<n).map { Double(matrix[i, $0]) } }
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0 } }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p][q] * a[p][q] } }
            if off < 1e-30 { break }
            for p in 0..<(n - 1) {
                for q in (p + 1)..<n where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let (akp, akq) = (a[k][p], a[k][q])
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let (apk, aqk) = (a[p][k], a[q][k])
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let (vp, vq) = (v[p][k], v[q][k])
                        v[p][k] = c * vp - s * vq
                        v[q][k] = s * vp + c * vq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0][$0] > a[$1][$1] }
        return (order.map { a[$0][$0] }, order.map { v[$0] })
    }

    func testSVDReconstructsWideAndTallMatrices() throws {
        var rng = RandomGenerator(seed: 4)
        for shape in [[5, 3], [3, 7], [4, 4]] {
            let a = rng.normalTensor(shape: shape)
            let svd = try LinearAlgebra.svd(a)
            let r = shape.min()!
            XCTAssertEqual(svd.u.shape, [shape[0], r])
            XCTAssertEqual(svd.vt.shape, [r, shape[1]])
            XCTAssertEqual(svd.singularValues, svd.singularValues.sorted(by: >))
            var scaledU = svd.u
            for i in 0..<shape[0] { for j in 0..<r { scaledU[i, j] *= svd.singularValues[j] } }
            XCTAssertLessThan(scaledU.matmul(svd.vt).maxAbsDifference(a), 1e-4, "shape \(shape)")
            // Orthonormal columns of U.
            let gram = svd.u.matmul(svd.u, transposeSelf: true)
            XCTAssertLessThan(gram.maxAbsDifference(Tensor(shape: [r, r], generating: { $0 % (r + 1) == 0 ? 1 : 0 })), 1e-4)
        }
    }

    func testSingularValuesOfKnownMatrix() throws {
        // diag(3, 2) padded with a zero column: singular values 3 and 2.
        let svd = try LinearAlgebra.svd(Tensor(shape: [2, 3], scalars: [0, 3, 0, 2, 0, 0]))
        XCTAssertEqual(svd.singularValues[0], 3, accuracy: 1e-6)
        XCTAssertEqual(svd.singularValues[1], 2, accuracy: 1e-6)
    }

    func testBadShapesThrow() {
        XCTAssertThrowsError(try LinearAlgebra.symmetricEigen(Tensor.zeros([2, 3]))) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notSquare(shape: [2, 3]))
        }
        XCTAssertThrowsError(try LinearAlgebra.svd(Tensor.zeros([2, 3, 4]))) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notAMatrix(shape: [2, 3, 4]))
        }
    }
}
