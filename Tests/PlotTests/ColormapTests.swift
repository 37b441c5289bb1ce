import XCTest
import Plot

final class ColormapTests: XCTestCase {
    func testViridisEndpointsMatchMatplotlib() {
        XCTAssertEqual(Colormap.viridis.entries.count, 256)
        XCTAssertEqual(Colormap.viridis.color(at: 0), Color(hex: 0x440154))
        XCTAssertEqual(Colormap.viridis.color(at: 1), Color(hex: 0xfde725))
        XCTAssertEqual(Colormap.magma.color(at: 0), Color(hex: 0x000004))
    }

    func testLookupRuleIsFloorTimesN() {
        let map = Colormap.viridis
        XCTAssertEqual(map.index(at: 0.5), 128)
        XCTAssertEqual(map.index(at: 1.0), 255)
        XCTAssertEqual(map.index(at: 1.7), 255)
        XCTAssertEqual(map.index(at: -3), 0)
        XCTAssertEqual(map.index(at: 0.999), 255)
        XCTAssertEqual(map.index(at: 0.0039), 0)
    }

    func testNaNIsBadColour() {
        XCTAssertEqual(Colormap.viridis.color(at: .nan), .clear)
        XCTAssertEqual(Colormap.viridis.withBad(.black).color(at: .nan), .black)
    }

    func testDivergingMapIsWhiteAtZero() {
        let norm = ResolvedNorm.resolve(.centered(), values: [-2, 0.5, 1])
        XCTAssertEqual(norm.lower, -2)
        XCTAssertEqual(norm.upper, 2)
        let middle = Colormap.blueWhiteRed.color(at: norm.normalize(0))
        XCTAssertGreaterThan(middle.red, 0.9)
        XCTAssertGreaterThan(middle.green, 0.9)
        XCTAssertGreaterThan(middle.blue, 0.9)
        XCTAssertGreaterThan(Colormap.blueWhiteRed.color(at: 1).red, Colormap.blueWhiteRed.color(at: 1).blue)
    }

    func testNormIgnoresNonFiniteValues() {
        let norm = ResolvedNorm.resolve(.linear(), values: [.nan, 1, 3, .infinity])
        XCTAssertEqual(norm.lower, 1)
        XCTAssertEqual(norm.upper, 3)
        let logNorm = ResolvedNorm.resolve(.log(), values: [0, -1, 10, 1000])
        XCTAssertEqual(logNorm.lower, 10)
        XCTAssertEqual(logNorm.normalize(100), 0.5, accuracy: 1e-12)
        XCTAssertTrue(logNorm.normalize(0).isNaN)
    }

    func testPaletteWraps() {
        XCTAssertEqual(Palette.okabeIto[8], Palette.okabeIto[0])
        XCTAssertEqual(Palette.okabeIto.colors.count, 8)
    }

    func testContrastingText() {
        XCTAssertEqual(Color(hex: 0x440154).contrastingText, .white)
        XCTAssertEqual(Color(hex: 0xfde725).contrastingText, .black)
    }
}
