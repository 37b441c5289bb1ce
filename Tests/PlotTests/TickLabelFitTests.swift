import Plot
import XCTest

/// Crowded tick labels are resolved in the documented order: numbers thinned first, category
/// names wrapped at spaces or dots, then turned 45° and 90°; y labels thinned.
final class TickLabelFitTests: XCTestCase {
    let measurer = ApproximateTextMeasurer()

    func xLabels(_ labels: [String], width: Double, style: Style = .standard) throws -> [PlacedText] {
        let values = labels.indices.map(Double.init)
        let panel = Panel(marks: [.bars(x: values, heights: values.map { $0 + 1 })], xTicks: .at(values, labels: labels))
        let layout = try Layout.figure(Figure(panel, size: .points(width, 300), style: style), measurer: measurer)
        XCTAssertEqual(layout.findings.map(\.description), [])
        return layout.panels[0].x.tickLabels
    }

    func testNumbersAreThinnedRatherThanTurned() throws {
        let labels = try xLabels((0..<20).map { String(1000 + 5 * $0) }, width: 300)
        XCTAssertLessThan(labels.count, 20)
        XCTAssertGreaterThanOrEqual(labels.count, 2)
        XCTAssert(labels.allSatisfy { $0.angle == 0 })
        XCTAssertEqual(labels.first?.markup, "1000", "thinning keeps the first tick")
    }

    func testCategoriesWrapAtSpacesAndDotsBeforeTurning() throws {
        let names = ["L0 mlp pre", "attn.pattern", "v 0.5", "L1 LN2"]
        let labels = try xLabels(names, width: 260)
        XCTAssertEqual(labels.count, 4, "category names are never dropped when wrapping fits them")
        XCTAssert(labels.allSatisfy { $0.angle == 0 })
        XCTAssertEqual(labels.map(\.markup), ["L0 mlp\npre", "attn.\npattern", "v\n0.5", "L1\nLN2"])
    }

    func testCategoriesTurnWhenWrappingIsNotEnough() throws {
        let names = (0..<12).map { "component_\($0)" }
        let diagonal = try xLabels(names, width: 500)
        XCTAssertEqual(diagonal.count, 12)
        XCTAssertEqual(diagonal[0].angle, -Double.pi / 4, accuracy: 1e-12)
        let upright = try xLabels(names, width: 240)
        XCTAssertEqual(upright.count, 12)
        XCTAssertEqual(upright[0].angle, -Double.pi / 2, accuracy: 1e-12)
    }

    func testCrowdedYLabelsAreThinned() throws {
        let ticks = stride(from: 0.0, through: 1.0, by: 0.1).map { $0 }
        let panel = Panel(marks: [.line(x: [0, 1], y: [0, 1])], yTicks: .at(ticks))
        let layout = try Layout.figure(Figure(panel, size: .points(300, 90)), measurer: measurer)
        XCTAssertEqual(layout.findings.map(\.description), [])
        XCTAssertLessThan(layout.panels[0].y.tickLabels.count, ticks.count)
        XCTAssertGreaterThanOrEqual(layout.panels[0].y.tickLabels.count, 2)
    }

    func testAWideLegendWithNoClearPlaceGoesBelowAndTheNarrowOneRight() throws {
        let x = (0...100).map { Double($0) / 10 }
        // Labelled curves over an unlabelled carpet of points: no inside place is clear.
        let carpetX: [Double] = (0..<900).map { Double($0 % 30) / 3 }
        let carpetY: [Double] = (0..<900).map { Double($0 / 30) / 15 - 1 }
        func marks(_ labels: [String]) -> [Mark] {
            labels.enumerated().map { i, label in
                let k = Double(i + 1)
                return Mark.line(x: x, y: x.map { sin($0 * k) }, label: label)
            } + [.scatter(x: carpetX, y: carpetY)]
        }
        let wide = try Layout.figure(Figure(Panel(xLabel: "x", marks: marks((1...4).map { "a rather long legend label number \($0)" })),
                                            size: .points(500, 360)), measurer: measurer).panels[0]
        let below = try XCTUnwrap(wide.legend)
        XCTAssertGreaterThan(below.rect.minY, try XCTUnwrap(wide.x.label).bounds.maxY, "below the x label")
        let narrow = try Layout.figure(Figure(Panel(xLabel: "x", marks: marks(["a", "b", "c", "d"])), size: .points(500, 360)),
                                       measurer: measurer).panels[0]
        let right = try XCTUnwrap(narrow.legend)
        XCTAssertGreaterThan(right.rect.minX, narrow.plot.maxX)
    }
}
