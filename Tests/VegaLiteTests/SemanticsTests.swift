import Foundation
import Plot
import VegaLite
import XCTest

/// Vega-Lite's rules where an earlier version drew something else, each found beside
/// vl-convert's render: default stacking, binned bins, number predicates over CSV text, label
/// precision, legends of shapes and merged channels, one colouring field.
final class SemanticsTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "vl-semantics-\(ProcessInfo.processInfo.processIdentifier)-\(name.hashValue)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "cat,val,grp\na,3,g1\nb,7,g1\nc,2,g2\na,5,g2\nb,1,g1\nc,9,g2\n".write(toFile: folder + "/t.csv", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func digest(_ spec: String) throws -> FigureDigest.View {
        let path = folder + "/s.vl.json"
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        return try XCTUnwrap(FigureDigest(try VegaLiteSpec.load(path: path).figure()).views.first)
    }

    func spec(mark: String, _ encoding: String, transform: String = "[]") -> String {
        #"{"data": {"url": "t.csv"}, "transform": \#(transform), "mark": \#(mark), "encoding": {\#(encoding)}}"#
    }

    /// Two rows of one category stack (b: 7 + 1), with nothing to stack by (stack.ts stacks
    /// bars and areas unless the unit is aggregated); an aggregated unit does not.
    func testBarsStackWithNothingToStackBy() throws {
        let bars = try digest(spec(mark: #""bar""#, #""x": {"field": "cat", "type": "nominal"}, "y": {"field": "val", "type": "quantitative"}"#))
        let tops = bars.rects.map { 1 - $0.y }
        let top = try XCTUnwrap(bars.yTicks.last)
        XCTAssertEqual(top.label, "11")  // the stacked c, 2 + 9, as vl-convert draws it
        XCTAssertEqual(tops.max() ?? 0, 1, accuracy: 1e-9)
        XCTAssertEqual(tops.sorted()[3], 8 / 11, accuracy: 1e-9)  // b, 7 + 1
        XCTAssertEqual(bars.rects.count, 6)
        let mean = try digest(spec(mark: #""bar""#, #""x": {"field": "cat", "type": "nominal"}, "y": {"field": "val", "aggregate": "max", "type": "quantitative"}"#))
        XCTAssertEqual(mean.rects.count, 3)
        XCTAssertEqual(mean.yTicks.last?.label, "9")
    }

    func testBinnedObjectMeansBinned() throws {
        let enc = #""x": {"field": "val", "bin": BIN, "type": "quantitative"}, "x2": {"field": "end"}, "y": {"field": "val", "type": "quantitative"}"#
        let calc = #"[{"calculate": "datum.val + 1", "as": "end"}]"#
        let object = try digest(spec(mark: #""bar""#, enc.replacingOccurrences(of: "BIN", with: #"{"binned": true}"#), transform: calc))
        let word = try digest(spec(mark: #""bar""#, enc.replacingOccurrences(of: "BIN", with: #""binned""#), transform: calc))
        XCTAssertEqual(object.rects.map(\.x), word.rects.map(\.x))
        XCTAssertEqual(object.xTicks.map(\.label), word.xTicks.map(\.label))
    }

    /// A CSV's "3" is the number 3 in a range predicate (it was read as the year 3).
    func testRangePredicateOverCSVNumbers() throws {
        let view = try digest(spec(mark: #""point""#, #""x": {"field": "val", "type": "quantitative"}, "y": {"field": "val", "type": "quantitative"}"#,
                                   transform: #"[{"filter": {"field": "val", "range": [2, 8]}}]"#))
        XCTAssertEqual(view.symbols.count, 4)  // 3, 7, 2, 5
    }

    /// A format without a precision takes the one the tick step needs (vega-scale's formatSpan).
    func testFormatWithoutPrecisionFollowsTheTickStep() throws {
        let view = try digest(spec(mark: #""point""#, #""x": {"field": "val", "type": "quantitative", "axis": {"format": "%"}}, "y": {"field": "val", "type": "quantitative", "axis": {"format": "e"}}"#))
        XCTAssertEqual(view.xTicks.map(\.label), ["0%", "100%", "200%", "300%", "400%", "500%", "600%", "700%", "800%", "900%"])
        XCTAssertEqual(view.yTicks.first?.label, "0e+0")
        XCTAssertEqual(view.yTicks.last?.label, "9e+0")
    }

    /// A shape legend draws the shapes; a point mark's legend is outlined as its points are;
    /// opacity over the size's field joins the size legend.
    func testLegendsDrawShapesAndMergeChannelsOfOneField() throws {
        let path = folder + "/s.vl.json"
        try spec(mark: #""point""#, #""x": {"field": "val", "type": "quantitative"}, "y": {"field": "val", "type": "quantitative"}, "shape": {"field": "cat", "type": "nominal"}, "size": {"field": "val", "type": "quantitative"}, "opacity": {"field": "val", "type": "quantitative"}"#)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let panel = try XCTUnwrap(try VegaLiteSpec.load(path: path).figure().grid.first?.first)
        let entries = panel.marks.compactMap { mark -> SymbolsMark? in
            if case .symbols(let m) = mark.kind, m.x.isEmpty, m.legendColor != .clear { return m }
            return nil
        }
        XCTAssertEqual(entries.filter { ["a", "b", "c"].contains($0.label) }.map(\.legendShape), [.circle, .square, .triangle])
        XCTAssertTrue(entries.allSatisfy { !$0.filled })
        let titles = panel.marks.compactMap { mark -> String? in
            if case .symbols(let m) = mark.kind, m.legendColor == .clear { return m.label }
            return nil
        }
        XCTAssertEqual(titles, ["<b>val</b>", "<b>cat</b>"])
    }

    func testTwoColouringFieldsAreRefused() throws {
        let path = folder + "/s.vl.json"
        try spec(mark: #""point""#, #""x": {"field": "val", "type": "quantitative"}, "y": {"field": "val", "type": "quantitative"}, "fill": {"field": "grp"}, "stroke": {"field": "cat"}"#)
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try VegaLiteSpec.load(path: path).figure()) { error in
            XCTAssertEqual("\(error)", "\(path): /encoding/stroke: fill and stroke encode different fields; Rederive colours a mark by one field (use one of color, fill, stroke)")
        }
    }

    func testOnlyTheBundledFontIsAccepted() throws {
        let path = folder + "/s.vl.json"
        try #"{"config": {"font": "sans-serif", "axis": {"labelFont": "DejaVu Sans"}}, "data": {"url": "t.csv"}, "mark": "point", "encoding": {"x": {"field": "val", "type": "quantitative"}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertNoThrow(try VegaLiteSpec.load(path: path).figure())
        try #"{"config": {"title": {"font": "Helvetica"}}, "data": {"url": "t.csv"}, "mark": "point", "encoding": {"x": {"field": "val", "type": "quantitative"}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try VegaLiteSpec.load(path: path).figure()) { error in
            XCTAssertTrue("\(error)".contains("/config/title/font: font 'Helvetica' is not bundled"), "\(error)")
        }
    }

    /// A rule is black unless it is coloured (Vega-Lite's config.rule); other marks take the mark colour.
    func testRulesAreBlackByDefault() throws {
        let path = folder + "/s.vl.json"
        try #"{"data": {"url": "t.csv"}, "layer": [{"mark": "point", "encoding": {"x": {"field": "val", "type": "quantitative"}}}, {"mark": "rule", "encoding": {"x": {"aggregate": "mean", "field": "val", "type": "quantitative"}}}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let marks = try XCTUnwrap(try VegaLiteSpec.load(path: path).figure().grid.first?.first).marks
        let lineColors = marks.compactMap { mark -> Color? in if case .line(let m) = mark.kind, !m.x.isEmpty { return m.color }; return nil }
        XCTAssertEqual(lineColors, [.black])
    }

    /// A config property Rederive would not honour is refused by its path; one of ink is drawn in
    /// Rederive's style; `axis.grid` is the axes' default.
    func testConfigRefusesWhatItWouldIgnore() throws {
        let path = folder + "/s.vl.json"
        func load(_ config: String) throws -> Figure {
            try #"{"config": \#(config), "data": {"url": "t.csv"}, "mark": "point", "encoding": {"x": {"field": "val", "type": "quantitative"}}}"#
                .write(toFile: path, atomically: true, encoding: .utf8)
            return try VegaLiteSpec.load(path: path).figure()
        }
        XCTAssertThrowsError(try load(#"{"axis": {"labelAngle": 45}}"#)) { error in
            XCTAssertTrue("\(error)".contains("/config/axis/labelAngle: config.axis property 'labelAngle' is not supported"), "\(error)")
        }
        XCTAssertThrowsError(try load(#"{"range": {"category": ["red", "blue"]}}"#)) { error in
            XCTAssertTrue("\(error)".contains("/config/range: config property 'range' is not supported"), "\(error)")
        }
        XCTAssertEqual(try load(##"{"axis": {"titleColor": "#aa0000", "grid": false}, "view": {"stroke": null}}"##).grid[0][0].gridLines, false)
        XCTAssertEqual(try load(#"{}"#).grid[0][0].gridLines, true)
    }
}
