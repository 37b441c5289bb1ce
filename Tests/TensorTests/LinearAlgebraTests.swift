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
