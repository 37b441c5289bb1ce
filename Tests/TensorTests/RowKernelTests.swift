import XCTest
import Tensor

/// The C row loops must give the bits of the Swift `VectorMath` lanes on every path: here
/// `expShifted` (in C) against `VectorMath.exp` and `laneSum` (in Swift), on rows of every tail
/// length and on the inputs where e^x is clamped.
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
}
