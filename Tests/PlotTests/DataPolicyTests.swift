import XCTest
import Plot

/// The NaN policy: non-finite values are skipped (lines break, points and cells are left out,
/// limits ignore them); a mark with no finite value at all is an error, as are mismatched lengths.
final class DataPolicyTests: XCTestCase {
    func testLimitsIgnoreNaN() throws {
        let layout = try Renderer.layout(Figure(Panel(marks: [.line(x: [0, 1, 2], y: [1, .nan, 3])])))
        let y = layout.panels[0].y
        XCTAssertEqual(y.lower, 0.9, accuracy: 1e-12)
        XCTAssertEqual(y.upper, 3.1, accuracy: 1e-12)
    }

    func testAllNaNMarkIsAnError() {
        XCTAssertThrowsError(try Renderer.layout(Figure(Panel(title: "Loss", marks: [.line(x: [0, 1], y: [.nan, .nan])])))) { error in
            guard case let PlotError.noFiniteData(panel, mark) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(panel.contains("Loss"))
            XCTAssertEqual(mark, "line")
            XCTAssertTrue("\(error)".contains("no finite values"))
        }
    }

    func testMismatchedLengthsAreAnError() {
        XCTAssertThrowsError(try Renderer.layout(Figure(Panel(marks: [.scatter(x: [0, 1, 2], y: [1, 2])])))) { error in
            XCTAssertEqual(error as? PlotError, .lengthMismatch(panel: "panel (row 1, column 1)", mark: "scatter", expected: 3, actual: 2))
        }
    }

    func testRaggedMatrixIsAnError() {
        XCTAssertThrowsError(try Renderer.layout(Figure(Panel(marks: [.heatmap(Matrix([[1, 2], [3]]))])))) { error in
            guard case PlotError.badMatrix = error else { return XCTFail("\(error)") }
        }
    }

    func testLogAxisSkipsNonPositiveValues() throws {
        let layout = try Renderer.layout(Figure(Panel(marks: [.line(x: [0, 1, 2], y: [0, 10, 1000])], yScale: .log)))
        let y = layout.panels[0].y
        XCTAssertGreaterThan(y.lower, 0)
        XCTAssertEqual(y.ticks.map(\.value), [10, 100, 1000])
    }

    func testNonPositiveLogLimitsAreAnError() {
        XCTAssertThrowsError(try Renderer.layout(Figure(Panel(marks: [.line(y: [1, 2])], yScale: .log, yLimits: 0...1)))) { error in
            guard case PlotError.nonPositiveLogRange = error else { return XCTFail("\(error)") }
        }
    }

    func testEmptyPanelGetsUnitLimits() throws {
        let p = try Renderer.layout(Figure(Panel(title: "empty"))).panels[0]
        XCTAssertEqual(p.x.lower, 0)
        XCTAssertEqual(p.x.upper, 1)
    }
}
