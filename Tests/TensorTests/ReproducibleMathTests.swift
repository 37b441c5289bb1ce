import Foundation
import Reproducible
import Tensor
import XCTest

/// Our exp, log, erf, powers and sin/cos against the C library's, to a few ulps, and the exact
/// values the plots and the training rely on. (Their bits being the same on every CPU follows from
/// being built of IEEE operations alone; the cross-machine hashes in AnalysisTests check it.)
final class ReproducibleMathTests: XCTestCase {
    func relativeError(_ a: Double, _ b: Double) -> Double { a == b ? 0 : Swift.abs(a - b) / max(Swift.abs(b), .leastNormalMagnitude) }

    func testAgreesWithTheCLibraryToAFewUlps() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let x = Double.random(in: -700...700, using: &generator)
            XCTAssertLessThan(relativeError(ReproducibleMath.exp(x), Foundation.exp(x)), 4e-16, "exp(\(x))")
            let y = Foundation.exp(Double.random(in: -700...700, using: &generator))
            XCTAssertLessThan(relativeError(ReproducibleMath.log(y), Foundation.log(y)), 4e-16, "log(\(y))")
            let z = Double.random(in: -7...7, using: &generator)
            XCTAssertLessThan(Swift.abs(ReproducibleMath.erfSeries(z) - Foundation.erf(z)), 1e-14, "erfSeries(\(z))")
            XCTAssertLessThan(Swift.abs(ReproducibleMath.erf(z) - Foundation.erf(z)), 1e-11, "erf(\(z))")
            let angle = Double.random(in: -10...10, using: &generator)
            let (s, c) = ReproducibleMath.sinCos(angle)
            XCTAssertLessThan(Swift.abs(s - Foundation.sin(angle)), 4e-16, "sin(\(angle))")
            XCTAssertLessThan(Swift.abs(c - Foundation.cos(angle)), 4e-16, "cos(\(angle))")
        }
    }

    func testExactValues() {
        XCTAssertEqual(ReproducibleMath.exp(0.0), 1)
        XCTAssertEqual(ReproducibleMath.log(1.0), 0)
        XCTAssertEqual(ReproducibleMath.exp(-1000.0), 0)
        XCTAssertEqual(ReproducibleMath.exp(1000.0), .infinity)
        XCTAssertEqual(ReproducibleMath.log(0.0), -.infinity)
        XCTAssertTrue(ReproducibleMath.log(-1.0).isNaN)
        for e in -30...30 { XCTAssertEqual(ReproducibleMath.log10(ReproducibleMath.power(10, e)), Double(e), "10^\(e)") }
        XCTAssertEqual(ReproducibleMath.power(0.95, 3), 0.95 * 0.95 * 0.95)
        XCTAssertEqual(ReproducibleMath.power(2, -2), 0.25)
        XCTAssertEqual(ReproducibleMath.erf(0.0), 0)
        XCTAssertEqual(ReproducibleMath.erf(7.0), 1)
        XCTAssertEqual(ReproducibleMath.sinCos(0).sin, 0)
        XCTAssertEqual(ReproducibleMath.sinCos(0).cos, 1)
        XCTAssertEqual(Float(ReproducibleMath.exp(Float(1))), Float(M_E))
    }

    /// exp and erf as they were written before the table was hoisted out of the call and exp's
    /// coefficients were written out: every checkpoint and analysis depends on their bits, so
    /// the faster forms must give the same bits at every input.
    enum Reference {
        static let inverseFactorials: [Double] = {
            var values = [1.0]
            for n in 1...20 { values.append(values[n - 1] / Double(n)) }
            return values
        }()
        static func exp(_ x: Double) -> Double {
            if x.isNaN { return x }
            if x > 709.782712893384 { return .infinity }
            if x < -745.1332191019412 { return 0 }
            let k = (x * 1.44269504088896338700e+00).rounded(.toNearestOrEven)
            let r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
            var p = inverseFactorials[13]
            for n in stride(from: 12, through: 1, by: -1) { p = p * r + inverseFactorials[n] }
            p = p * r + 1
            return Double(sign: .plus, exponent: Int(k), significand: p)
        }
        static let values = (0...1536).map { ReproducibleMath.erfSeries(Double($0) / 256) }
        static let derivatives = (0...1536).map { (i: Int) -> Double in
            let x = Double(i) / 256
            return 1.1283791670955126 * exp(-x * x)
        }
        static func erf(_ x: Double) -> Double {
            if x.isNaN { return x }
            let a = Swift.abs(x)
            guard a < 6 else { return x < 0 ? -1 : 1 }
            let scaled = a * 256.0
            let i = Int(scaled)
            let t = scaled - Double(i), h = 1 / 256.0
            let (y0, y1) = (values[i], values[i + 1])
            let (d0, d1) = (derivatives[i] * h, derivatives[i + 1] * h)
            let t2 = t * t, t3 = t2 * t
            let value = (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * d0 + (-2 * t3 + 3 * t2) * y1 + (t3 - t2) * d1
            return x < 0 ? -value : value
        }
    }

    func testExpAndErfKeepTheirBits() {
        var generator = RandomGenerator(seed: 14)
        let table = ErfTable.shared
        var inputs = (-2000...2000).map { Double($0) / 300 }   // every step of erf's table, ±6.67
        inputs += [0, -0.0, 6, -6, .nan, .infinity, -.infinity, 5.999999999999999, 1.0 / 256, 709, -745]
        for _ in 0..<100_000 { inputs.append(generator.nextDouble() * 16 - 8) }
        for _ in 0..<20_000 { inputs.append(generator.nextDouble() * 1400 - 700) }
        for x in inputs {
            XCTAssertEqual(ReproducibleMath.exp(x).bitPattern, Reference.exp(x).bitPattern, "exp(\(x))")
            XCTAssertEqual(ReproducibleMath.erf(x).bitPattern, Reference.erf(x).bitPattern, "erf(\(x))")
            XCTAssertEqual(table.erf(x).bitPattern, Reference.erf(x).bitPattern, "ErfTable.erf(\(x))")
        }
        // Eight at a time, each lane as the scalar (the NaNs and the ±6 edge mixed in with the rest).
        for first in stride(from: 0, to: inputs.count - 7, by: 8) {
            let lanes = SIMD8<Double>(inputs[first..<(first + 8)])
            let values = table.erf(lanes)
            for lane in 0..<8 {
                XCTAssertEqual(values[lane].bitPattern, Reference.erf(lanes[lane]).bitPattern, "ErfTable.erf(SIMD8) at \(lanes[lane])")
            }
        }
    }
}
