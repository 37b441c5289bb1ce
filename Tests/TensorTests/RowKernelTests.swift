import CKernels
import XCTest
import Tensor

/// The C row loops must give the bits of the Swift `VectorMath` lanes on every path: here
/// `expShifted` (in C) against `VectorMath.exp` and `laneSum` (in Swift), on rows of every tail
/// length and on the inputs where e^x is clamped; and the LayerNorm and column-sum loops against
/// the plain float operations they stand for.
final class RowKernelTests: XCTestCase {
    var savedPath = KernelPath.current
    override func setUp() { savedPath = KernelPath.current }
    override func tearDown() { try? KernelPath.select(savedPath) }

    /// `expShifted` written with the Swift lanes: 16 at a time, a padded tail, the fixed tree.
    func swiftExpShifted(_ row: inout [Float], shift: Float) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i < row.count {
            var x = SIMD16<Float>(repeating: -.infinity)
            let count = min(16, row.count - i)
            for lane in 0..<count { x[lane] = row[i + lane] }
            let e = VectorMath.exp(x - SIMD16(repeating: shift))
            for lane in 0..<16 {
                if lane < count { row[i + lane] = e[lane] }
            }
            acc += e.replacing(with: 0, where: SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .>= Int32(count))
            i += 16
        }
        return VectorMath.laneSum(acc)
    }

    func testExpShiftedHasTheSwiftLanesBitsOnEveryPath() throws {
        var rng = RandomGenerator(seed: 13)
        var rows: [[Float]] = (1...70).map { n in (0..<n).map { _ in rng.nextNormal(std: 6) } }
        rows.append([-200, -87.4, -87.3, -1e-30, 0, -0.0, 1e-30, 88.2, 88.3, 100, .infinity, -.infinity])
        for row in rows {
            for shift: Float in [0, 3.5, -2] {
                var expected = row
                let expectedSum = swiftExpShifted(&expected, shift: shift)
                for path in KernelPath.supported {
                    try KernelPath.select(path)
                    var got = row
                    let sum = got.withUnsafeMutableBufferPointer { VectorMath.expShifted($0.baseAddress!, $0.count, shift: shift) }
                    XCTAssertEqual(sum.bitPattern, expectedSum.bitPattern, "\(path) n \(row.count) shift \(shift)")
                    XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(path) n \(row.count) shift \(shift)")
                }
            }
        }
    }

    /// LayerNorm's apply multiplies by a double reciprocal instead of dividing: the bits must be
    /// those of `(x - mean) / scale` in float, then `* w + b`. The fused forward must equal the
    /// statistics then the apply.
    func testLayerNormGivesTheFloatQuotientsBitsAndFusedEqualsApart() throws {
        var rng = RandomGenerator(seed: 14)
        let rows = 37, d = 67, eps: Float = 1e-5
        var x = (0..<(rows * d)).map { _ in rng.nextNormal(std: 3) }
        x[5] = 1e-30; x[6] = -0.0; x[7] = 3e38
        let w = (0..<d).map { _ in rng.nextNormal() }, b = (0..<d).map { _ in rng.nextNormal() }
        // Scales a hook could write too: tiny, huge, zero.
        let scales: [Float] = (0..<rows).map { r in [1e-3, 7, 3e-39, 1e30, 0][r % 5] * (1 + Float(r) / 64) }
        let means = (0..<rows).map { _ in rng.nextNormal() }
        var expected = [Float](repeating: 0, count: rows * d)
        for r in 0..<rows {
            for j in 0..<d { expected[r * d + j] = (x[r * d + j] - means[r]) / scales[r] * w[j] + b[j] }
        }
        for path in KernelPath.supported {
            try KernelPath.select(path)
            var normalized = [Float](repeating: 0, count: rows * d), out = normalized
            rd_layer_norm_apply(x, w, b, rows, d, means, scales, &normalized, &out)
            XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "\(path)")

            var mean = [Float](repeating: 0, count: rows), scale = mean, apartNormalized = normalized, apart = out
            rd_layer_norm_statistics(x, rows, d, eps, &mean, &scale)
            rd_layer_norm_apply(x, w, b, rows, d, mean, scale, &apartNormalized, &apart)
            var fusedMean = mean, fusedScale = scale, fusedNormalized = normalized, fused = out
            rd_layer_norm_forward(x, w, b, rows, d, eps, &fusedMean, &fusedScale, &fusedNormalized, &fused)
            XCTAssertEqual(fusedScale.map(\.bitPattern), scale.map(\.bitPattern), "\(path)")
            XCTAssertEqual(fusedNormalized.map(\.bitPattern), apartNormalized.map(\.bitPattern), "\(path)")
            XCTAssertEqual(fused.map(\.bitPattern), apart.map(\.bitPattern), "\(path)")
        }
    }

    // The 16-lane reductions of rows.c, written out in Swift: element i in lane i % 16, in
    // order; the lanes as a fixed tree (halves, quarters, then two pairs); the tail one by one.
    func laneTree(_ v: [Float]) -> Float {
        let eight = (0..<8).map { v[$0] + v[$0 + 8] }
        let four = (0..<4).map { eight[$0] + eight[$0 + 4] }
        return (four[0] + four[2]) + (four[1] + four[3])
    }

    func laneReduce(_ n: Int, _ term: (Int) -> Float) -> Float {
        var acc = [Float](repeating: 0, count: 16)
        var i = 0
        while i + 16 <= n {
            for l in 0..<16 { acc[l] = acc[l] + term(i + l) }
            i += 16
        }
        var s = laneTree(acc)
        while i < n { s = s + term(i); i += 1 }
        return s
    }

    /// LayerNorm's statistics, its input gradient and its parameter sums against the plain float
    /// operations, for row widths around the 16 lanes, on every path.
    func testLayerNormStatisticsAndBackwardAreThePlainLaneOperations() throws {
        var rng = RandomGenerator(seed: 16)
        for d in [1, 15, 16, 17, 64, 67] {
            let rows = 23, eps: Float = 1e-5
            let x = (0..<(rows * d)).map { _ in rng.nextNormal(std: 3) + 0.5 }
            let g = (0..<(rows * d)).map { _ in rng.nextNormal() }
            let w = (0..<d).map { _ in rng.nextNormal() }
            let start = (0..<(rows * d)).map { _ in rng.nextNormal() }
            var mean = [Float](), scale = [Float]()
            for r in 0..<rows {
                let mu = laneReduce(d) { x[r * d + $0] } / Float(d)
                let squares = laneReduce(d) { let c = x[r * d + $0] - mu; return c * c }
                mean.append(mu)
                scale.append((squares / Float(d) + eps).squareRoot())
            }
            let xhat = (0..<(rows * d)).map { (x[$0] - mean[$0 / d]) / scale[$0 / d] }
            var dx = start, fresh = start, dw = [Float](repeating: 0, count: d), db = dw
            for r in 0..<rows {
                let meanG = laneReduce(d) { g[r * d + $0] * w[$0] } / Float(d)
                let meanGX = laneReduce(d) { (g[r * d + $0] * w[$0]) * xhat[r * d + $0] } / Float(d)
                let inverse = 1 / scale[r]
                for j in 0..<d {
                    let i = r * d + j
                    fresh[i] = (g[i] * w[j] - meanG - xhat[i] * meanGX) * inverse
                    dx[i] = dx[i] + fresh[i]
                    dw[j] = dw[j] + g[i] * xhat[i]
                    db[j] = db[j] + g[i]
                }
            }
            for path in KernelPath.supported {
                try KernelPath.select(path)
                var gotMean = [Float](repeating: .nan, count: rows), gotScale = gotMean
                rd_layer_norm_statistics(x, rows, d, eps, &gotMean, &gotScale)
                XCTAssertEqual(gotMean.map(\.bitPattern), mean.map(\.bitPattern), "\(path) d \(d)")
                XCTAssertEqual(gotScale.map(\.bitPattern), scale.map(\.bitPattern), "\(path) d \(d)")
                var gotDX = start, scratch = [Float](repeating: 0, count: d)
                rd_layer_norm_backward(g, xhat, scale, w, rows, d, 1, &scratch, &gotDX)
                XCTAssertEqual(gotDX.map(\.bitPattern), dx.map(\.bitPattern), "\(path) d \(d)")
                var gotFresh = start
                rd_layer_norm_backward(g, xhat, scale, w, rows, d, 0, &scratch, &gotFresh)
                XCTAssertEqual(gotFresh.map(\.bitPattern), fresh.map(\.bitPattern), "\(path) d \(d), not accumulating")
                var gotDW = [Float](repeating: 0, count: d), gotDB = gotDW
                rd_layer_norm_parameter_sums(g, xhat, rows, d, &gotDW, &gotDB)
                XCTAssertEqual(gotDW.map(\.bitPattern), dw.map(\.bitPattern), "\(path) d \(d)")
                XCTAssertEqual(gotDB.map(\.bitPattern), db.map(\.bitPattern), "\(path) d \(d)")
            }
        }
    }

    /// A bias gradient: each column one chain of additions in row order, for widths below, at and
    /// past the 64-column strips.
    func testColumnSumIsEachColumnsChainInRowOrder() throws {
        var rng = RandomGenerator(seed: 15)
        for width in [1, 17, 64, 65, 300] {
            let rows = 51
            let x = (0..<(rows * width)).map { _ in rng.nextNormal(std: 100) }
            var expected = [Float](repeating: 0, count: width)
            for j in 0..<width {
                for r in 0..<rows { expected[j] = expected[j] + x[r * width + j] }
            }
            for path in KernelPath.supported {
                try KernelPath.select(path)
                var out = [Float](repeating: .nan, count: width)
                rd_column_sum(x, rows, width, &out)
                XCTAssertEqual(out.map(\.bitPattern), expected.map(\.bitPattern), "\(path) width \(width)")
            }
        }
    }
}
