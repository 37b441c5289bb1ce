import XCTest
import Tensor

final class TensorTests: XCTestCase {
    func testShapeIndexingAndStrides() {
        var t = Tensor(shape: [2, 3, 4], generating: Float.init)
        XCTAssertEqual(t.strides, [12, 4, 1])
        XCTAssertEqual(t[1, 2, 3], 23)
        t[0, 1, 2] = -1
        XCTAssertEqual(t.scalars[6], -1)
        XCTAssertEqual(t[slice: 1].shape, [3, 4])
        XCTAssertEqual(t[slice: 1][0, 0], 12)
    }

    func testElementwiseAndReductions() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [10, 20, 30, 40])
        XCTAssertEqual((a + b).scalars, [11, 22, 33, 44])
        XCTAssertEqual((b - a).scalars, [9, 18, 27, 36])
        XCTAssertEqual((a * b).scalars, [10, 40, 90, 160])
        XCTAssertEqual((a * 2).scalars, [2, 4, 6, 8])
        XCTAssertEqual(a.sum(), 10)
        XCTAssertEqual(a.mean(), 2.5)
        XCTAssertEqual(a.norm(), 30.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(a.meanOverFirstAxis().scalars, [2, 3])
        XCTAssertEqual(a.transposed().scalars, [1, 3, 2, 4])
        XCTAssertEqual(a.addingRowVector(Tensor(shape: [2], scalars: [100, 200])).scalars, [101, 202, 103, 204])
        XCTAssertEqual(Tensor.stack([a, b]).shape, [2, 2, 2])
        XCTAssertFalse(Tensor(shape: [1], scalars: [.nan]).isFinite)
    }

    /// A triple loop in Double: the independent reference for every sgemm variant.
    private func naiveProduct(_ a: Tensor, _ b: Tensor, ta: Bool, tb: Bool) -> Tensor {
        let a2 = ta ? a.transposed() : a, b2 = tb ? b.transposed() : b
        let (m, k, n) = (a2.shape[0], a2.shape[1], b2.shape[1])
        return Tensor(shape: [m, n], generating: { index in
            let (i, j) = (index / n, index % n)
            var total = 0.0
            for p in 0..<k { total += Double(a2[i, p]) * Double(b2[p, j]) }
            return Float(total)
        })
    }

    func testMatmulMatchesNaiveProductForEveryTranspose() {
        var rng = RandomGenerator(seed: 7)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = rng.normalTensor(shape: ta ? [5, 3] : [3, 5])
            let b = rng.normalTensor(shape: tb ? [4, 5] : [5, 4])
            let product = a.matmul(b, transposeSelf: ta, transposeOther: tb)
            XCTAssertEqual(product.shape, [3, 4])
            XCTAssertLessThan(product.maxAbsDifference(naiveProduct(a, b, ta: ta, tb: tb)), 1e-5, "ta \(ta) tb \(tb)")
        }
    }

    func testBatchedMatmul() {
        var rng = RandomGenerator(seed: 8)
        let a = rng.normalTensor(shape: [2, 3, 3, 4])
        let b = rng.normalTensor(shape: [2, 3, 5, 4])
        let product = a.matmul(b, transposeOther: true)
        XCTAssertEqual(product.shape, [2, 3, 3, 5])
        let stacks = a.reshaped([6, 3, 4]), others = b.reshaped([6, 5, 4])
        for i in 0..<6 {
            let expected = naiveProduct(stacks[slice: i], others[slice: i], ta: false, tb: true)
            XCTAssertLessThan(product.reshaped([6, 3, 5])[slice: i].maxAbsDifference(expected), 1e-5)
        }
        // A stack times one matrix broadcasts the matrix.
        let w = rng.normalTensor(shape: [4, 2])
        let broadcast = a.matmul(w)
        XCTAssertEqual(broadcast.shape, [2, 3, 3, 2])
        XCTAssertLessThan(broadcast.reshaped([18, 2]).maxAbsDifference(naiveProduct(a.reshaped([18, 4]), w, ta: false, tb: false)), 1e-5)
    }

    /// The benchmark's sgemm floor rests on the recorder seeing every product, once per call,
    /// with its transposes and leading dimensions.
    func testGemmRecorderCountsEachShapeAndTimesThem() {
        let a = Tensor(shape: [3, 4], generating: { Float($0) })
        let b = Tensor(shape: [4, 5], generating: { Float($0) * 0.5 })
        let recorder = GemmRecorder()
        Gemm.recorder = recorder
        _ = a.matmul(b)
        _ = a.matmul(b)
        _ = a.matmul(a, transposeOther: true)
        Gemm.recorder = nil
        _ = a.matmul(b)   // not recorded
        XCTAssertEqual(recorder.calls, [
            GemmShape(transposeA: false, transposeB: false, m: 3, n: 5, k: 4, lda: 4, ldb: 5, ldc: 5): 2,
            GemmShape(transposeA: false, transposeB: true, m: 3, n: 3, k: 4, lda: 4, ldb: 4, ldc: 3): 1,
        ])
        XCTAssertGreaterThan(recorder.isolatedSeconds(repeats: 1), 0)
    }
}
