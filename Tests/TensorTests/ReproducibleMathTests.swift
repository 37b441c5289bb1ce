import Foundation
import Reproducible
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
}
