import Foundation
import Plot
import VegaLite
import XCTest

/// Axis and legend orients, concatenated views of their own sizes, and long nominal axes
/// (Fixtures/layout): where the guides go, and that what the layout drops keeps its order.
final class LayoutFeatureTests: XCTestCase {
    static let folder = GalleryTests.fixtures.appendingPathComponent("layout")

    func layout(_ name: String) throws -> FigureLayout {
        let figure = try VegaLiteSpec.load(path: Self.folder.appendingPathComponent("\(name).vl.json").path).figure()
        let layout = try Renderer.layout(figure)
        XCTAssertEqual(layout.findings.map(\.description), [], name)
        return layout
    }

    /// The category labels shown are every k-th of the full sorted list, from the first, and
    /// none overlaps another (the audit above).
    func assertEvenSubset(_ shown: [String], of all: [String], minimum: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThanOrEqual(shown.count, minimum, file: file, line: line)
        guard shown.count > 1, let step = all.firstIndex(of: shown[1]) else { return XCTFail("too few labels: \(shown)", file: file, line: line) }
        XCTAssertEqual(shown, stride(from: 0, to: all.count, by: step).map { all[$0] }, file: file, line: line)
    }

    func testSixtyCategoriesAreThinnedInOrderWithoutOverlaps() throws {
        let panel = try XCTUnwrap(layout("bar_60_categories").panels.first)
        let words = ["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Ginkgo", "Hazel", "Ironwood", "Juniper", "Katsura",
                     "Larch", "Maple", "Nutmeg", "Oak", "Pine"]
        let all = (1...60).map { "\(words[($0 - 1) % words.count]) \(String(format: "%02d", $0))" }.sorted()
        XCTAssertEqual(panel.x.ticks.count, panel.x.tickLabels.count)
        assertEvenSubset(panel.x.tickLabels.map(\.markup), of: all, minimum: 15)
        XCTAssertLessThan(panel.x.tickLabels.count, 60, "360 points cannot hold 60 upright labels")
    }

    func testFiftyByFiftyHeatmapLabelsBothAxesInOrder() throws {
        let panel = try XCTUnwrap(layout("rect_50x50_nominal").panels.first)
        let columns = (1...50).map { String(format: "col %02d", $0) }, rows = (1...50).map { String(format: "row %02d", $0) }
        assertEvenSubset(panel.x.tickLabels.map(\.markup), of: columns, minimum: 10)
        // Rows read down the page in Vega-Lite's order: the first at the top.
        let shownRows = panel.y.tickLabels.sorted { $0.y < $1.y }.map(\.markup)
        assertEvenSubset(shownRows, of: rows, minimum: 10)
    }

    func testAxesOnTheFarSidesAndTheLegendOnTheLeft() throws {
        let panel = try XCTUnwrap(layout("axis_orient").panels.first)
        let plot = panel.plot
        XCTAssertFalse(panel.x.tickLabels.isEmpty)
        XCTAssertTrue(panel.x.tickLabels.allSatisfy { $0.bounds.maxY <= plot.minY })
        XCTAssertLessThanOrEqual(try XCTUnwrap(panel.x.label).bounds.maxY, panel.x.tickLabels.map(\.bounds.minY).min() ?? 0)
        XCTAssertTrue(panel.y.tickLabels.allSatisfy { $0.bounds.minX >= plot.maxX })
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(panel.y.label).bounds.minX, panel.y.tickLabels.map(\.bounds.maxX).max() ?? 0)
        XCTAssertLessThanOrEqual(try XCTUnwrap(panel.legend).rect.maxX, plot.minX)
    }

    func testLegendsBelowAboveAndInACorner() throws {
        let below = try XCTUnwrap(layout("legend_orient_bottom").panels.first)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(below.legend).rect.minY, try XCTUnwrap(below.x.label).bounds.maxY)
        let above = try XCTUnwrap(layout("legend_orient_top").panels.first)
        XCTAssertLessThanOrEqual(try XCTUnwrap(above.legend).rect.maxY, above.plot.minY)
        // Vega starts top and bottom legends at the view's left edge.
        XCTAssertEqual(try XCTUnwrap(below.legend).rect.minX, below.plot.minX)
        XCTAssertEqual(try XCTUnwrap(above.legend).rect.minX, above.plot.minX)
        // Vega's columns are each as wide as their own entries: the five weathers fit in one row
        // under the plot (even columns, as wide as "drizzle", needed two).
        let entries = try XCTUnwrap(below.legend).entries.filter { !$0.text.markup.contains("<b>") }
        XCTAssertEqual(entries.count, 5)
        XCTAssertEqual(Set(entries.map(\.swatchRect.minY)).count, 1, "one row")
        XCTAssertLessThanOrEqual(try XCTUnwrap(below.legend).rect.width, below.plot.width)
        XCTAssertTrue(above.y.tickLabels.allSatisfy { $0.bounds.minX >= above.plot.maxX })
        // The top-right corner of the cars scatter is empty: the legend goes there, off the data.
        let corner = try XCTUnwrap(layout("legend_orient_corner").panels.first)
        let box = try XCTUnwrap(corner.legend).rect
        XCTAssertTrue(corner.plot.contains(x: box.maxX, y: box.minY) && box.midX > corner.plot.midX && box.midY < corner.plot.midY)
    }

    /// hconcat and vconcat views keep their own sizes' proportions, top- and left-aligned.
    func testConcatenatedViewsKeepTheirOwnSizes() throws {
        let side = try layout("hconcat_sizes").panels.map(\.plot)
        XCTAssertEqual(side.count, 2)
        XCTAssertEqual(side[1].width / side[0].width, 120.0 / 300, accuracy: 1e-9)
        XCTAssertEqual(side[1].height / side[0].height, 120.0 / 200, accuracy: 1e-9)
        XCTAssertEqual(side[1].minY, side[0].minY, accuracy: 1e-9)
        let stacked = try layout("vconcat_sizes").panels.map(\.plot)
        XCTAssertEqual(stacked.count, 2)
        XCTAssertEqual(stacked[0].width / stacked[1].width, 300.0 / 480, accuracy: 1e-9)
        XCTAssertEqual(stacked[1].height / stacked[0].height, 90.0 / 200, accuracy: 1e-9)
        XCTAssertEqual(stacked[1].minX, stacked[0].minX, accuracy: 1e-9)
        // Two views over a wider one: each row has its own columns, all at one scale, so the
        // second view follows the first closely instead of after the wide view's column.
        let nested = try layout("concat_nested").panels.map(\.plot)
        XCTAssertEqual(nested.count, 3)
        XCTAssertEqual(nested[1].width / nested[0].width, 120.0 / 300, accuracy: 1e-9)
        XCTAssertEqual(nested[2].width / nested[0].width, 540.0 / 300, accuracy: 1e-9)
        XCTAssertLessThan(nested[1].minX - nested[0].maxX, 90)
        XCTAssertGreaterThan(nested[2].maxX, nested[1].maxX)
        XCTAssertEqual(nested[2].minX, nested[0].minX, accuracy: 1e-9)
    }
}

extension LayoutFeatureTests {
    /// `make` and `figure` say which category axes lost names to thinning, and only those.
    func testThinnedCategoryAxesAreWarnedAbout() throws {
        let path = Self.folder.appendingPathComponent("bar_60_categories.vl.json").path
        let layout = try Renderer.layout(try VegaLiteSpec.load(path: path).figure())
        let shown = try XCTUnwrap(layout.panels.first).x.tickLabels.count
        XCTAssertEqual(SpecFigureWriter.warnings(layout, path: "s"), [
            "figure 's': the x axis of view 1 names \(shown) of its 60 categories (the layout thinned the rest to keep labels apart); "
            + "a larger view, e.g. \"width\": {\"step\": 20}, names them all"])
        let few = GalleryTests.fixtures.appendingPathComponent("gallery/specs/bar_month.vl.json").path
        XCTAssertEqual(SpecFigureWriter.warnings(try Renderer.layout(try VegaLiteSpec.load(path: few).figure()), path: "s"), [])
    }

    /// `config.legend.orient` is the default side; a legend's own orient wins, and an unknown
    /// one is refused by its path.
    func testConfigLegendOrientIsTheDefault() throws {
        func spec(_ legend: String, config: String) -> String {
            """
            {"config": {"legend": {\(config)}}, "data": {"values": [{"a": 1, "b": 2, "c": "x"}, {"a": 2, "b": 1, "c": "y"}]},
             "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}, "y": {"field": "b", "type": "quantitative"},
             "color": {"field": "c", "type": "nominal"\(legend)}}}
            """
        }
        func placement(_ text: String) throws -> LegendPlacement? {
            try VegaLiteSpec.parse(text).figure().grid.first?.first?.legend
        }
        XCTAssertEqual(try placement(spec("", config: "\"orient\": \"bottom\"")), .outsideBelow)
        XCTAssertEqual(try placement(spec(", \"legend\": {\"orient\": \"left\"}", config: "\"orient\": \"bottom\"")), .outsideLeft)
        XCTAssertThrowsError(try placement(spec(", \"legend\": {\"orient\": \"middle\"}", config: ""))) { error in
            XCTAssertTrue("\(error)".contains("/encoding/color/legend/orient"), "\(error)")
        }
    }
}
