import XCTest
import Tensor

/// Every kernel path must give each output exactly the bits of one fused multiply-add chain
/// over k, from +0, then `alpha *`, `+ beta * C`, `+ bias`: here against that chain written
/// out in Swift, on shapes with ragged tiles (rows and columns past a tile's edge), k beyond one
/// cache block, and the triangular products attention uses.
final class GemmExactnessTests: XCTestCase {
    var savedPath = KernelPath.current
    override func setUp() { savedPath = KernelPath.current }
    override func tearDown() { try? KernelPath.select(savedPath) }

    struct Case {
        var transposeA = false, transposeB = false
        var m: Int, n: Int, k: Int
        var alpha: Float = 1, beta: Float = 0, bias = false
    }

    /// The chain each output must equal, one output at a time.
    func referenceProduct(_ c: Case, a: [Float], b: [Float], cIn: [Float], bias: [Float]) -> [Float] {
        var out = cIn
        for i in 0..<c.m {
            for j in 0..<c.n {
                var acc: Float = 0
                for p in 0..<c.k {
                    let x = c.transposeA ? a[p * c.m + i] : a[i * c.k + p]
                    let y = c.transposeB ? b[j * c.k + p] : b[p * c.n + j]
                    acc = acc.addingProduct(x, y)
                }
                var v = c.alpha * acc
                if c.beta != 0 { v = v + c.beta * cIn[i * c.n + j] }
                if c.bias { v = v + bias[j] }
                out[i * c.n + j] = v
            }
        }
        return out
    }

    enum Finish { case none, relu, mask([Float]) }

    func run(_ c: Case, structure: Gemm.Structure = .full, finish: Finish = .none,
             a: [Float], b: [Float], cIn: [Float], bias: [Float]) -> [Float] {
        var out = cIn
        var maskValues: [Float] = []
        if case .mask(let values) = finish { maskValues = values }
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
            maskValues.withUnsafeBufferPointer { mask in out.withUnsafeMutableBufferPointer { o in
                let gemmFinish: Gemm.Finish
                switch finish {
                case .none: gemmFinish = .none
                case .relu: gemmFinish = .relu
                case .mask: gemmFinish = .zeroWhereNonPositive(mask: mask.baseAddress!, ldm: c.n)
                }
                Gemm.product(transposeA: c.transposeA, transposeB: c.transposeB, structure: structure, m: c.m, n: c.n, k: c.k,
                             alpha: c.alpha, a: a.baseAddress!, lda: c.transposeA ? c.m : c.k,
                             b: b.baseAddress!, ldb: c.transposeB ? c.k : c.n, beta: c.beta,
                             bias: c.bias ? bias.baseAddress! : nil, finish: gemmFinish, c: o.baseAddress!, ldc: c.n)
            } }
        } } }
        return out
    }

    func testEveryPathGivesTheBitsOfOneFMAChainPerOutput() throws {
        let cases = [
            Case(m: 1, n: 1, k: 1), Case(m: 7, n: 5, k: 3), Case(m: 9, n: 33, k: 17, bias: true),
            Case(transposeA: true, m: 13, n: 47, k: 300), Case(transposeB: true, m: 50, n: 50, k: 64, alpha: 0.125),
            Case(transposeA: true, transposeB: true, m: 17, n: 100, k: 29, beta: 0.5, bias: true),
            Case(m: 70, n: 300, k: 64, bias: true), Case(m: 3, n: 2, k: 0, beta: 2, bias: true),
        ]
        var rng = RandomGenerator(seed: 11)
        for c in cases {
            let a = (0..<(c.m * c.k)).map { _ in rng.nextNormal() }
            let b = (0..<(c.k * c.n)).map { _ in rng.nextNormal() }
            let cIn = (0..<(c.m * c.n)).map { _ in rng.nextNormal() }
            let bias = (0..<c.n).map { _ in rng.nextNormal() }
            let expected = referenceProduct(c, a: a, b: b, cIn: cIn, bias: bias)
            for path in KernelPath.supported {
                try KernelPath.select(path)
                let got = run(c, a: a, b: b, cIn: cIn, bias: bias)
                XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(path) \(c)")
            }
        }
    }

    /// The MLP's fused ReLU and ReLU-gradient mask must give the bits of the product followed by
    /// the separate loops they replace (`x < 0 ? +0 : x`, and `+0` where the mask is `<= 0`,
    /// NaN and -0 kept), on every path, on ragged tiles, past one k block and split over threads.
    func testFinishesGiveTheBitsOfTheProductThenTheLoop() throws {
        let savedThreads = Gemm.threadCount
        defer { Gemm.threadCount = savedThreads }
        let cases = [Case(m: 7, n: 5, k: 3, bias: true), Case(m: 70, n: 300, k: 64, bias: true),
                     Case(transposeB: true, m: 33, n: 47, k: 300), Case(m: 300, n: 256, k: 64, bias: true),
                     Case(m: 3, n: 2, k: 0, alpha: -1)]  // -1 * +0: every output is -0
        var rng = RandomGenerator(seed: 13)
        for c in cases {
            var a = (0..<(c.m * c.k)).map { _ in rng.nextNormal() }
            if c.k > 0 { a[c.k] = .nan }  // row 1 of op(A) (or a column of it) carries NaN into the outputs
            let b = (0..<(c.k * c.n)).map { _ in rng.nextNormal() }
            let bias = (0..<c.n).map { _ in rng.nextNormal() }
            var mask = (0..<(c.m * c.n)).map { _ in rng.nextNormal() }
            mask[0] = -0.0; mask[1 % mask.count] = .nan; mask[2 % mask.count] = 0
            let fresh = [Float](repeating: 7, count: c.m * c.n)
            for threads in [1, 2] {
                Gemm.threadCount = threads
                for path in KernelPath.supported {
                    try KernelPath.select(path)
                    let plain = run(c, a: a, b: b, cIn: fresh, bias: bias)
                    let relu = plain.map { $0 < 0 ? 0 : $0 }
                    let masked = zip(plain, mask).map { $1 <= 0 ? 0 : $0 }
                    XCTAssertEqual(run(c, finish: .relu, a: a, b: b, cIn: fresh, bias: bias).map(\.bitPattern),
                                   relu.map(\.bitPattern), "\(path) \(threads) threads relu \(c)")
                    XCTAssertEqual(run(c, finish: .mask(mask), a: a, b: b, cIn: fresh, bias: bias).map(\.bitPattern),
                                   masked.map(\.bitPattern), "\(path) \(threads) threads mask \(c)")
                }
            }
        }
    }

    /// Attention's causal products skip exact zeros and unwanted outputs; what they compute must
    /// be the full product's bits.
    func testTriangularProductsGiveTheFullProductsBits() throws {
        var rng = RandomGenerator(seed: 12)
        for t in [1, 8, 9, 50, 270] {
            let e = 37
            // A causal t x t matrix: exact zeros above the diagonal.
            let causal = (0..<(t * t)).map { i in i % t <= i / t ? rng.nextNormal() : 0 }
            let x = (0..<(t * e)).map { _ in rng.nextNormal() }
            let y = (0..<(t * e)).map { _ in rng.nextNormal() }
            let stale = [Float](repeating: 7, count: t * t), fresh = [Float](repeating: 7, count: t * e)
            for path in KernelPath.supported {
                try KernelPath.select(path)
                // Scores: x y^T, wanted on and below the diagonal.
                let scores = Case(transposeB: true, m: t, n: t, k: e, alpha: 0.5)
                let full = run(scores, a: x, b: y, cIn: stale, bias: [])
                let lower = run(scores, structure: .lowerOutput, a: x, b: y, cIn: stale, bias: [])
                for i in 0..<t {
                    for j in 0...i {
                        XCTAssertEqual(lower[i * t + j].bitPattern, full[i * t + j].bitPattern, "\(path) t \(t) (\(i), \(j))")
                    }
                }
                // P v with P causal, and P^T v.
                let forward = Case(m: t, n: e, k: t)
                XCTAssertEqual(run(forward, structure: .lowerA, a: causal, b: x, cIn: fresh, bias: []).map(\.bitPattern),
                               run(forward, a: causal, b: x, cIn: fresh, bias: []).map(\.bitPattern), "\(path) t \(t) lowerA")
                let transposed = Case(transposeA: true, m: t, n: e, k: t)
                XCTAssertEqual(run(transposed, structure: .upperA, a: causal, b: x, cIn: fresh, bias: []).map(\.bitPattern),
                               run(transposed, a: causal, b: x, cIn: fresh, bias: []).map(\.bitPattern), "\(path) t \(t) upperA")
            }
        }
    }
}
