import XCTest
import Plot

final class PixelTests: XCTestCase {
    func testHeatmapCellsHaveTheirColormapColour() throws {
        let values = Matrix([[0, 1, 2], [3, 4, 5]])
        let scale = ColorScale(.viridis, norm: .linear(min: 0, max: 5))
        let figure = Figure(barePanel([.heatmap(values, scale: scale)]), size: .inches(3, 2), dpi: 100)
        let (raster, layout) = try render(figure)
        let panel = layout.panels[0]
        for r in 0..<2 {
            for c in 0..<3 {
                let expected = Colormap.viridis.color(at: Double(r * 3 + c) / 5)
                let p = pixel(raster, figure, x: panel.px(Double(c)), y: panel.py(Double(r)))
                assertColor(p, expected, "cell (\(r), \(c))")
            }
        }
        // Row 0 is at the top.
        XCTAssertLessThan(panel.py(0), panel.py(1))
    }

    func testHeatmapNaNCellShowsTheBackground() throws {
        let values = Matrix([[0, .nan], [1, 2]])
        let figure = Figure(barePanel([.heatmap(values)]), size: .inches(2, 2), dpi: 100)
        let (raster, layout) = try render(figure)
        let panel = layout.panels[0]
        assertColor(pixel(raster, figure, x: panel.px(1), y: panel.py(0)), .white)
        assertColor(pixel(raster, figure, x: panel.px(0), y: panel.py(0)), Colormap.viridis.color(at: 0))
    }

    func testLinePassesThroughItsPixels() throws {
        let red = Color(hex: 0xcc0000)
        let figure = Figure(barePanel([.line(x: [0, 1], y: [0.5, 0.5], color: red, width: 3),
                                       .line(x: [0, 1], y: [0, 1], color: .black, width: 3)],
                                      xLimits: 0...1, yLimits: 0...1),
                            size: .inches(3, 3), dpi: 144)
        let (raster, layout) = try render(figure)
        let panel = layout.panels[0]
        assertColor(pixel(raster, figure, x: panel.px(0.25), y: panel.py(0.5)), red)
        assertColor(pixel(raster, figure, x: panel.px(0.25), y: panel.py(0.25)), .black, tolerance: 8)
        assertColor(pixel(raster, figure, x: panel.px(0.75), y: panel.py(0.75)), .black, tolerance: 8)
        assertColor(pixel(raster, figure, x: panel.px(0.25), y: panel.py(0.75)), .white)
    }

    func testNaNBreaksALine() throws {
        let blue = Color(hex: 0x0000cc)
        let figure = Figure(barePanel([.line(x: [0, 1, 2, 3, 4], y: [0, 0, .nan, 0, 0], color: blue, width: 4)],
                                      xLimits: 0...4, yLimits: -1...1),
                            size: .inches(4, 2), dpi: 100)
        let (raster, layout) = try render(figure)
        let panel = layout.panels[0]
        assertColor(pixel(raster, figure, x: panel.px(0.5), y: panel.py(0)), blue)
        assertColor(pixel(raster, figure, x: panel.px(2), y: panel.py(0)), .white)
        assertColor(pixel(raster, figure, x: panel.px(3.5), y: panel.py(0)), blue)
    }

    func testScatterPointTakesItsColormapColour() throws {
        let figure = Figure(barePanel([.scatter(x: [0.5, .nan], y: [0.5, 0.2], values: [3, 9],
                                                scale: ColorScale(.magma, norm: .linear(min: 0, max: 4)), size: 20)],
                                      xLimits: 0...1, yLimits: 0...1),
                            size: .inches(2, 2), dpi: 100)
        let (raster, layout) = try render(figure)
        let panel = layout.panels[0]
        assertColor(pixel(raster, figure, x: panel.px(0.5), y: panel.py(0.5)), Colormap.magma.color(at: 0.75))
    }

    func testBarsFillFromBaseline() throws {
        let green = Color(hex: 0x00aa00)
        let figure = Figure(barePanel([.bars(x: [0, 1], heights: [1, 2], color: green)]), size: .inches(3, 3), dpi: 100)
        let (raster, layout) = try render(figure)
        let panel = layout.panels[0]
        assertColor(pixel(raster, figure, x: panel.px(0), y: panel.py(0.5)), green)
        assertColor(pixel(raster, figure, x: panel.px(0), y: panel.py(1.5)), .white)
        assertColor(pixel(raster, figure, x: panel.px(1), y: panel.py(1.5)), green)
        // Bars are sticky at their baseline: no margin below zero.
        XCTAssertEqual(panel.y.lower, 0)
    }

    func testPixelSizeFollowsDPI() throws {
        let figure = Figure(barePanel([.line(y: [1, 2])]), size: .inches(2, 1), dpi: 200)
        let raster = try Renderer.raster(figure)
        XCTAssertEqual(raster.width, 400)
        XCTAssertEqual(raster.height, 200)
    }
}

final class MorePixelTests: XCTestCase {
    /// Counts pixels in a rectangle (in points) whose channels are all below 40 or all above 215.
    func count(_ raster: Raster, _ figure: Figure, _ rect: Rect, dark: Bool) -> Int {
        let s = figure.dpi / 72
        var n = 0
        for y in Int(rect.minY * s)..<Int(rect.maxY * s) {
            for x in Int(rect.minX * s)..<Int(rect.maxX * s) {
                let p = raster[x, y]
                if dark ? (p.r < 40 && p.g < 40 && p.b < 40) : (p.r > 215 && p.g > 215 && p.b > 215) { n += 1 }
            }
        }
        return n
    }

    func testAnnotationsContrastWithTheirCells() throws {
        let figure = Figure(barePanel([.heatmap(Matrix([[0, 1]]), annotate: true)]), size: .inches(4, 2), dpi: 150)
        let (raster, layout) = try render(figure)
        let p = layout.panels[0]
        let half = (p.px(1) - p.px(0)) / 2
        let dark = Rect(x: p.px(0) - half * 0.8, y: p.plot.minY + 2, width: half * 1.6, height: p.plot.height - 4)
        let light = Rect(x: p.px(1) - half * 0.8, y: p.plot.minY + 2, width: half * 1.6, height: p.plot.height - 4)
        // Dark viridis purple gets white text, bright yellow gets black text.
        XCTAssertGreaterThan(count(raster, figure, dark, dark: false), 20)
        XCTAssertEqual(count(raster, figure, dark, dark: true), 0)
        XCTAssertGreaterThan(count(raster, figure, light, dark: true), 20)
    }

    func testCategoricalScatterUsesThePalette() throws {
        let figure = Figure(barePanel([.scatter(x: [0.25, 0.75], y: [0.5, 0.5], categories: [0, 3], size: 16)],
                                      xLimits: 0...1, yLimits: 0...1), size: .inches(2, 2), dpi: 100)
        let (raster, layout) = try render(figure)
        let p = layout.panels[0]
        assertColor(pixel(raster, figure, x: p.px(0.25), y: p.py(0.5)), Palette.okabeIto[0])
        assertColor(pixel(raster, figure, x: p.px(0.75), y: p.py(0.5)), Palette.okabeIto[3])
    }

    func testBarsOnALogAxisRiseFromTheBottom() throws {
        let figure = Figure(barePanel([.bars(x: [0], heights: [100], color: .black)], yLimits: 1...1000)
                                .with { $0.yScale = .log }, size: .inches(2, 2), dpi: 100)
        let (raster, layout) = try render(figure)
        let p = layout.panels[0]
        assertColor(pixel(raster, figure, x: p.px(0), y: p.py(2)), .black)
        assertColor(pixel(raster, figure, x: p.px(0), y: p.py(500)), .white)
    }
}

extension Panel {
    func with(_ change: (inout Panel) -> Void) -> Panel {
        var copy = self
        change(&copy)
        return copy
    }
}
