import XCTest
import Plot

final class TicksTests: XCTestCase {
    func values(_ ticks: [Tick]) -> [Double] { ticks.map(\.value) }
    func labels(_ ticks: [Tick]) -> [String] { ticks.map(\.label) }

    func testNiceStepsOverAUnitRange() throws {
        let ticks = try Ticks.linear(lower: 0, upper: 1, maxCount: 6)
        XCTAssertEqual(values(ticks), [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(labels(ticks), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    func testNoFloatNoise() throws {
        let ticks = try Ticks.linear(lower: 0, upper: 0.9, maxCount: 10)
        XCTAssertTrue(ticks.contains { $0.value == 0.3 }, "\(values(ticks))")
        XCTAssertEqual(ticks.first { $0.value == 0.3 }?.label, "0.3")
        for tick in ticks { XCTAssertFalse(tick.label.contains("0000"), tick.label) }
    }

    func testStepOfTwoAndAHalfGetsTwoDecimals() throws {
        let ticks = try Ticks.linear(lower: 0, upper: 1, maxCount: 5)
        XCTAssertEqual(values(ticks), [0, 0.25, 0.5, 0.75, 1.0])
        XCTAssertEqual(labels(ticks), ["0.00", "0.25", "0.50", "0.75", "1.00"])
    }

    func testDegenerateZeroRangeIsWidened() throws {
        let ticks = try Ticks.linear(lower: 0, upper: 0, maxCount: 5)
        XCTAssertGreaterThanOrEqual(ticks.count, 2)
        XCTAssertTrue(values(ticks).contains(0))
        XCTAssertEqual(values(ticks), values(ticks).sorted())
        XCTAssertEqual(ticks.first?.label, "\u{2212}1.0")
    }

    func testTinyRangeUsesScientificLabels() throws {
        let ticks = try Ticks.linear(lower: 1e-9, upper: 3e-9, maxCount: 5)
        XCTAssertEqual(ticks.count, 5)
        XCTAssertEqual(ticks.first!.value, 1e-9, accuracy: 1e-21)
        XCTAssertEqual(ticks.last!.value, 3e-9, accuracy: 1e-21)
        XCTAssertEqual(labels(ticks), ["10<sup>\u{2212}9</sup>", "1.5×10<sup>\u{2212}9</sup>",
                                       "2×10<sup>\u{2212}9</sup>", "2.5×10<sup>\u{2212}9</sup>",
                                       "3×10<sup>\u{2212}9</sup>"])
    }

    func testWideRangeFromNegativeToMillion() throws {
        // Six ticks would need a step just above 2×10^5, so 2.5×10^5 wins.
        let five = try Ticks.linear(lower: -0.5, upper: 1e6, maxCount: 6)
        XCTAssertEqual(values(five), [0, 2.5e5, 5e5, 7.5e5, 1e6])
        XCTAssertEqual(five[1].label, "2.5×10<sup>5</sup>")
        let ticks = try Ticks.linear(lower: -0.5, upper: 1e6, maxCount: 7)
        XCTAssertEqual(values(ticks), [0, 2e5, 4e5, 6e5, 8e5, 1e6])
        XCTAssertEqual(labels(ticks), ["0", "2×10<sup>5</sup>", "4×10<sup>5</sup>", "6×10<sup>5</sup>",
                                       "8×10<sup>5</sup>", "10<sup>6</sup>"])
    }

    func testNegativeLabelsUseTrueMinus() throws {
        let ticks = try Ticks.linear(lower: -3, upper: 3, maxCount: 7)
        XCTAssertEqual(labels(ticks), ["\u{2212}3", "\u{2212}2", "\u{2212}1", "0", "1", "2", "3"])
        XCTAssertFalse(labels(ticks).joined().contains("-"))
    }

    func testTickCountNeverExceedsMaximum() throws {
        for (lo, hi) in [(0.0, 1.0), (-7.3, 12.9), (1e3, 1e3 + 1), (0.001, 0.0013), (-1e7, 1e7)] {
            for n in 2...10 {
                let ticks = try Ticks.linear(lower: lo, upper: hi, maxCount: n)
                XCTAssertLessThanOrEqual(ticks.count, n, "range [\(lo), \(hi)] max \(n)")
                XCTAssertGreaterThanOrEqual(ticks.count, 1)
                for t in ticks {
                    XCTAssertGreaterThanOrEqual(t.value, lo - (hi - lo) * 1e-9)
                    XCTAssertLessThanOrEqual(t.value, hi + (hi - lo) * 1e-9)
                }
            }
        }
    }

    func testNonFiniteBoundsThrow() {
        XCTAssertThrowsError(try Ticks.linear(lower: .nan, upper: 1, maxCount: 5)) { error in
            guard case PlotError.nonFiniteRange = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Ticks.linear(lower: 0, upper: .infinity, maxCount: 5))
        XCTAssertThrowsError(try Ticks.log(lower: -1, upper: 10, maxCount: 5)) { error in
            guard case PlotError.nonPositiveLogRange = error else { return XCTFail("\(error)") }
        }
    }

    func testLogTicksAreDecades() throws {
        let (major, minor) = try Ticks.log(lower: 1e-3, upper: 10, maxCount: 9)
        XCTAssertEqual(values(major), [1e-3, 1e-2, 1e-1, 1, 10])
        XCTAssertEqual(major.first?.label, "10<sup>\u{2212}3</sup>")
        XCTAssertEqual(major.last?.label, "10<sup>1</sup>")
        XCTAssertTrue(minor.contains(2e-3))
        XCTAssertTrue(minor.contains(9))
        XCTAssertEqual(minor.count, 4 * 8)
    }

    func testLogTicksThinOutManyDecades() throws {
        let (major, minor) = try Ticks.log(lower: 1e-12, upper: 1e12, maxCount: 6)
        XCTAssertLessThanOrEqual(major.count, 6)
        XCTAssertTrue(minor.isEmpty)
    }

    func testLogTicksInsideOneDecadeAddTwosAndFives() throws {
        let (major, _) = try Ticks.log(lower: 0.15, upper: 0.9, maxCount: 6)
        XCTAssertEqual(values(major), [0.2, 0.5])
        XCTAssertEqual(labels(major), ["0.2", "0.5"])
    }

    func testFormat() {
        XCTAssertEqual(Ticks.format(0), "0")
        XCTAssertEqual(Ticks.format(0.1 + 0.2), "0.3")
        XCTAssertEqual(Ticks.format(-2.5), "\u{2212}2.5")
        XCTAssertEqual(Ticks.format(123456), "1.235×10<sup>5</sup>")
        XCTAssertEqual(Ticks.format(.nan), "NaN")
    }
}

final class ExtremeRangeTests: XCTestCase {
    func testExtremeRangesDoNotTrap() throws {
        let tiny = Double.leastNonzeroMagnitude   // 5e-324, the smallest subnormal
        for (lo, hi) in [(-1e308, 1e308), (tiny * 2024, tiny * 4048), (1.0, 1.0 + 1e-15), (1e300, 1e300 * (1 + 1e-12)), (tiny, tiny)] {
            let ticks = try Ticks.linear(lower: lo, upper: hi, maxCount: 9)
            XCTAssertFalse(ticks.isEmpty, "[\(lo), \(hi)]")
            XCTAssertTrue(ticks.allSatisfy { $0.value.isFinite })
        }
        let (major, _) = try Ticks.log(lower: 1e-300, upper: 1e300, maxCount: 9)
        XCTAssertLessThanOrEqual(major.count, 9)
    }

    func testAbsurdDPIIsATypedError() {
        let figure = Figure(Panel(marks: [.line(y: [1, 2])]), size: .inches(4, 3), dpi: 1e9)
        XCTAssertThrowsError(try Renderer.png(figure)) { error in
            guard case PlotError.invalidPixelSize = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try Renderer.png(Figure(Panel(), dpi: .nan)))
    }

    func testGroupedBarsToleratesShortLabelLists() {
        let marks = Mark.groupedBars(series: [[1, 2], [3, 4], [5, 6]], labels: ["a"])
        XCTAssertEqual(marks.count, 3)
    }
}

final class BadFigureSizeTests: XCTestCase {
    func testNaNFigureSizeIsATypedError() {
        XCTAssertThrowsError(try Renderer.layout(Figure(Panel(marks: [.line(y: [1, 2])]), size: .points(.nan, 100))))
        XCTAssertThrowsError(try Renderer.pdf(Figure(Panel(marks: [.line(y: [1, 2])]), size: .points(-5, 100))))
    }
}
