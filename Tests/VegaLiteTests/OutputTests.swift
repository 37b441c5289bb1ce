import Foundation
import Plot
import VegaLite
import XCTest

/// Same inputs, same bytes; `.npy` data draw as their CSV twin; the pixels show the marks.
final class OutputTests: XCTestCase {
    let fixtures = GalleryTests.fixtures

    func testNpySpecDrawsExactlyAsItsCSVTwin() throws {
        let npy = try VegaLiteSpec.load(path: fixtures.appendingPathComponent("npy/attention.vl.json").path)
        let csv = try VegaLiteSpec.load(path: fixtures.appendingPathComponent("npy/attention_csv.vl.json").path)
        XCTAssertEqual(npy.dataFiles, ["attention.npy"])
        XCTAssertEqual(try npy.figure().grid, try csv.figure().grid)
    }

    func testSameSpecGivesTheSameBytes() throws {
        let spec = try VegaLiteSpec.load(path: fixtures.appendingPathComponent("gallery/specs/stacked_bar_count.vl.json").path)
        let a = try spec.figure(), b = try VegaLiteSpec.load(path: spec.path).figure()
        XCTAssertEqual(a, b)
        XCTAssertEqual(try Renderer.pdf([a]), try Renderer.pdf([b]))
        // SVG: Cairo numbers its glyph and surface ids per process, so two SVGs from one process
        // differ; `rederive figure` run twice writes identical SVG bytes.
        XCTAssertEqual(try Renderer.raster(a), try Renderer.raster(b))
    }

    /// A rect heatmap's cells take the scheme's colours: the top-left cell of the attention
    /// pattern (value 1) is viridis's last entry, an empty upper-right cell its first.
    func testHeatmapPixelsTakeTheSchemeColours() throws {
        let figure = try VegaLiteSpec.load(path: fixtures.appendingPathComponent("npy/attention.vl.json").path).figure()
        let layout = try Renderer.layout(figure)
        let raster = try Renderer.raster(figure)
        let plot = try XCTUnwrap(layout.panels.first).plot
        func pixel(_ fx: Double, _ fy: Double) -> (UInt8, UInt8, UInt8) {
            let x = Int((plot.minX + fx * plot.width) * figure.dpi / 72), y = Int((plot.minY + fy * plot.height) * figure.dpi / 72)
            let i = (y * raster.width + x) * 4
            return (raster.rgba[i], raster.rgba[i + 1], raster.rgba[i + 2])
        }
        let top = Colormap.viridis.entries.last!.rgb8, bottom = Colormap.viridis.entries[0].rgb8
        let a = pixel(0.5 / 6, 0.5 / 6), b = pixel(5.5 / 6, 0.5 / 6)
        XCTAssertTrue(a == top, "\(a) vs \(top)")
        XCTAssertTrue(b == bottom, "\(b) vs \(bottom)")
    }

    /// A filled square at the domain's top-right corner is drawn whole, past the view's edges, as
    /// Vega-Lite draws marks; with `"clip": true` nothing of it shows outside the view.
    func testMarksAreClippedOnlyWhenTheyAskToBe() throws {
        func outside(clip: Bool) throws -> (UInt8, UInt8, UInt8) {
            let spec = """
                {"data": {"values": [{"a": 0, "b": 0}, {"a": 10, "b": 10}]}, "width": 100, "height": 100,
                 "mark": {"type": "square", "size": 400, "color": "#ff0000", "clip": \(clip)},
                 "encoding": {"x": {"field": "a", "type": "quantitative"}, "y": {"field": "b", "type": "quantitative"}}}
                """
            let figure = try VegaLiteSpec.parse(spec).figure()
            let plot = try XCTUnwrap(try Renderer.layout(figure).panels.first).plot
            let raster = try Renderer.raster(figure)
            // 4 points right of and above the corner: inside the 20-point square, outside the view.
            let x = Int((plot.maxX + 4) * figure.dpi / 72), y = Int((plot.minY - 4) * figure.dpi / 72)
            let i = (y * raster.width + x) * 4
            return (raster.rgba[i], raster.rgba[i + 1], raster.rgba[i + 2])
        }
        let whole = try outside(clip: false), clipped = try outside(clip: true)
        // Red at the square mark's default opacity (0.7) over white; white where it is cut.
        XCTAssertTrue(whole == (255, 76, 76), "\(whole)")
        XCTAssertTrue(clipped == (255, 255, 255), "\(clipped)")
    }

    /// Where a spec names its colours (here the viridis scheme), each cell takes the colour
    /// vl-convert drew, within 2/255 per channel (Vega interpolates; Plot's table has 256 steps).
    func testNamedSchemeColoursMatchTheReference() throws {
        let figure = try VegaLiteSpec.load(path: fixtures.appendingPathComponent("npy/attention.vl.json").path).figure()
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fixtures.appendingPathComponent("npy/expected/attention_csv.json").path))
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let items = (expected["marks"] as? [[String: Any]] ?? []).flatMap { $0["items"] as? [[String: Any]] ?? [] }
        let rects = try XCTUnwrap(figure.grid[0][0].marks.compactMap { mark -> RectsMark? in
            if case .rects(let m) = mark.kind, !m.x0.isEmpty { return m }
            return nil
        }.first)
        let panel = figure.grid[0][0]
        let w = panel.xLimits?.upperBound ?? 1, h = panel.yLimits?.upperBound ?? 1
        XCTAssertEqual(items.count, rects.x0.count)
        for item in items {
            let x = (item["x"] as? NSNumber)?.doubleValue ?? -1, y = (item["y"] as? NSNumber)?.doubleValue ?? -1
            let hex = try XCTUnwrap(item["color"] as? String)
            let k = try XCTUnwrap(rects.x0.indices.first { abs(rects.x0[$0] / w - x) < 0.01 && abs(1 - rects.y1[$0] / h - y) < 0.01 })
            let want = UInt32(hex.dropFirst(), radix: 16) ?? 0
            let (r, g, b) = rects.fills[k].rgb8
            XCTAssertLessThanOrEqual(abs(Int(r) - Int(want >> 16 & 0xff)), 2, hex)
            XCTAssertLessThanOrEqual(abs(Int(g) - Int(want >> 8 & 0xff)), 2, hex)
            XCTAssertLessThanOrEqual(abs(Int(b) - Int(want & 0xff)), 2, hex)
        }
    }

    /// Binned bars along y (a horizontal histogram) have height: the bin's pixel edges come in
    /// descending order on a y axis.
    func testHorizontalHistogramBarsHaveHeight() throws {
        let spec = #"{"data": {"values": [{"v": 1}, {"v": 2}, {"v": 2}, {"v": 7}]}, "mark": "bar", "encoding": {"y": {"bin": true, "field": "v"}, "x": {"aggregate": "count"}}}"#
        let figure = try VegaLiteSpec.parse(spec, path: "h.vl.json").figure()
        let rects = figure.grid[0][0].marks.compactMap { mark -> RectsMark? in
            if case .rects(let m) = mark.kind, !m.x0.isEmpty { return m }
            return nil
        }
        let bars = try XCTUnwrap(rects.first)
        XCTAssertEqual(bars.x0.count, 3)
        for i in bars.x0.indices {
            XCTAssertGreaterThan(bars.y1[i] - bars.y0[i], 0)
            XCTAssertGreaterThan(bars.x1[i] - bars.x0[i], 0)
        }
    }

    func testSpecWriterWritesEveryFormAndTheCaption() throws {
        let folder = NSTemporaryDirectory() + "vl-out-\(ProcessInfo.processInfo.processIdentifier)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = try SpecFigureWriter.write(spec: fixtures.appendingPathComponent("npy/attention.vl.json").path, prefix: folder + "/a")
        XCTAssertEqual(written.files.map { ($0 as NSString).lastPathComponent }, ["a.png", "a.pdf", "a.svg", "a.caption.txt", "a.data.json"])
        let caption = try String(contentsOfFile: folder + "/a.caption.txt", encoding: .utf8)
        XCTAssertTrue(caption.hasPrefix("A 6 x 6 attention pattern"))
        // The data file holds the 36 cells' colours, the values they encode.
        let data = try FigureData.parse(Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/a.data.json"))), path: "a.data.json")
        XCTAssertEqual(data.panels.first?.marks.first { $0.kind == "rects" }?.array("fill")?.values.count, 36)
        XCTAssertEqual(data.caption, caption.trimmingCharacters(in: .newlines))
    }
}
