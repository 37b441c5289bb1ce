import Foundation
import Plot
import XCTest

/// The layout audit finds what it promises to find, and the layout leaves it nothing to find in
/// the hard cases: many long category labels, a 2 × 2 grid on a slide, a big legend over dense
/// data, a colorbar beside a long title.
final class LayoutAuditTests: XCTestCase {
    // MARK: - The audit finds problems

    /// A colour scale covers every value it colours, and a row's one colour bar means the same
    /// numbers in every panel of the row (issue #27: three composition panels under one bar).
    func testAuditFindsColoursThatMislead() throws {
        func heatmap(_ title: String, _ values: [Double], _ norm: ColorNorm, bar: Bool) -> Panel {
            Panel(title: title, marks: [.heatmap(Matrix(rows: 1, columns: values.count, values: values), scale: ColorScale(.viridis, norm: norm))],
                  colorbar: bar ? Colorbar(label: "score") : nil)
        }
        let misleading = Figure(size: .inches(9, 3), grid: [[heatmap("Q", [0, 0.21], .linear(min: 0), bar: false),
                                                              heatmap("V", [0, 0.13], .linear(min: 0), bar: true)]])
        XCTAssertEqual(try Renderer.layout(misleading).findings.map(\.description),
                       ["panel (row 1, column 1) 'Q' is coloured on 0…0.21, but its row's only colour bar (panel (row 1, column 2) 'V') shows 0…0.13"])
        let shared = Figure(size: .inches(9, 3), grid: [[heatmap("Q", [0, 0.21], .linear(min: 0, max: 0.21), bar: false),
                                                          heatmap("V", [0, 0.13], .linear(min: 0, max: 0.21), bar: true)]])
        XCTAssertEqual(try Renderer.layout(shared).findings, [])
        let clipped = Figure(heatmap("K", [0, 0.27, 0.5], .linear(min: 0, max: 0.13), bar: true), size: .inches(4, 3))
        XCTAssertEqual(try Renderer.layout(clipped).findings.map(\.description),
                       ["panel (row 1, column 1) 'K' colours 2 value(s) outside its scale 0…0.13 (e.g. 0.5)"])
    }

    func testAuditFindsOverlappingTexts() throws {
        var layout = try Renderer.layout(Figure(Panel(title: "Loss", xLabel: "step", marks: [.line(y: [1, 2, 3])])))
        XCTAssertEqual(layout.findings, [])
        let tick = try XCTUnwrap(layout.panels[0].x.tickLabels.first)
        layout.panels[0].title?.corners = tick.corners
        XCTAssertEqual(layout.findings.map(\.description), ["panel (row 1, column 1) 'Loss' x tick label '\(tick.markup)' overlaps panel (row 1, column 1) 'Loss' title 'Loss'"])
    }

    func testAuditFindsTurnedTextsThatCrossButNotThoseThatOnlyShareABoundingBox() throws {
        var layout = try Renderer.layout(Figure(Panel(title: "T", xTicks: .hidden, yTicks: .hidden, frame: false)))
        func diamond(_ cx: Double, _ cy: Double) -> [Point] {
            [Point(x: cx, y: cy - 10), Point(x: cx + 10, y: cy), Point(x: cx, y: cy + 10), Point(x: cx - 10, y: cy)]
        }
        // Two 45° boxes whose bounding boxes overlap but whose shapes do not.
        layout.panels[0].title?.corners = diamond(30, 30)
        layout.suptitle = layout.panels[0].title
        layout.suptitle?.corners = diamond(45, 45)
        XCTAssertEqual(layout.findings, [])
        layout.suptitle?.corners = diamond(36, 36)
        XCTAssertEqual(layout.findings.count, 1)
    }

    func testAuditFindsTextOffThePageAndTooSmall() throws {
        let figure = Figure(Panel(marks: [.text("tiny", x: 0.5, y: 0.5, size: 10)], xLimits: 0...1, yLimits: 0...1), style: .talk)
        var layout = try Renderer.layout(figure)
        XCTAssertEqual(layout.findings.map(\.description),
                       ["panel (row 1, column 1) text 'tiny' is 10.0 pt, below the style's minimum of 14.0 pt"])
        let moved = layout.panels[0].x.tickLabels[0].corners.map { Point(x: $0.x - 2000, y: $0.y) }
        layout.panels[0].x.tickLabels[0].corners = moved
        XCTAssert(layout.findings.contains { $0.kind == .outsideCanvas("panel (row 1, column 1) x tick label '\(layout.panels[0].x.tickLabels[0].markup)'") },
                  "\(layout.findings)")
    }

    func testAuditMeasuresTheShareOfDataUnderALegend() throws {
        let x = (0...100).map(Double.init)
        var layout = try Renderer.layout(Figure(Panel(marks: [.line(x: x, y: x, label: "y = x")])))
        XCTAssertEqual(layout.findings, [])
        // The legend moved over the whole plot covers all of the line.
        let plot = layout.panels[0].plot
        layout.panels[0].legend?.rect = plot
        XCTAssertEqual(layout.findings.map(\.kind), [.legendCoversData(panel: "panel (row 1, column 1)", share: 1)])
    }

    // MARK: - Hard cases: zero findings and a pixel fact each

    /// Twenty hook names on a bar chart: wrapped at spaces on paper, turned on a slide, none lost.
    func testTwentyLongCategoryLabels() throws {
        let names = (0..<20).map { i in ["L\(i / 10) mlp pre", "L\(i / 10) hook.attn", "L\(i / 10) LN2 scale", "final LN"][i % 4] }
        let panel = Panel(title: "Each activation replaced by its mean", yLabel: "loss",
                          marks: [.bars(x: (0..<20).map(Double.init), heights: (0..<20).map { 1 + Double($0 % 7) })],
                          xTicks: .at((0..<20).map(Double.init), labels: names))
        for figure in [Figure(panel, size: .inches(11, 4)), Figure(panel, size: .inches(6.4, 4.8)), Figure(panel, style: .talk)] {
            let (raster, layout) = try render(figure)
            XCTAssertEqual(layout.findings.map(\.description), [], figure.style.name)
            let p = layout.panels[0]
            XCTAssertEqual(p.x.tickLabels.count, 20, "category labels are never dropped while turning them can fit them")
            // The first bar is drawn in the palette's first colour, its label in ink below the axis.
            assertColor(pixel(raster, figure, x: p.px(0), y: p.plot.maxY - 3), Style.standard.palette[0], tolerance: 2)
            let label = p.x.tickLabels[0].bounds
            XCTAssertGreaterThan(inkPixels(raster, figure, in: label), 5)
        }
        let talk = try Renderer.layout(Figure(panel, style: .talk)).panels[0]
        XCTAssertNotEqual(talk.x.tickLabels[0].angle, 0, "20 labels on a slide are turned")
        let wide = try Renderer.layout(Figure(panel, size: .inches(11, 4))).panels[0]
        XCTAssertEqual(wide.x.tickLabels[0].angle, 0, "on a wide figure they wrap instead")
        XCTAssert(wide.x.tickLabels.contains { $0.markup.contains("\n") })
    }

    /// A 2 × 2 grid with titles, axis labels, a suptitle and a caption on a 960 × 540 pt page.
    func testTwoByTwoGridOnASlidePage() throws {
        let x = (0..<60).map(Double.init)
        func panel(_ title: String, _ k: Double) -> Panel {
            Panel(title: title, xLabel: "step", yLabel: "position accuracy",
                  marks: [.line(x: x, y: x.map { 1 - exp(-$0 / k) })], yLimits: 0...1.05)
        }
        var figure = Figure(style: .talk, suptitle: "Where position is linearly readable",
                            grid: [[panel("Accuracy over training (2 layers, MLP, seed 0)", 5), panel("R² over training", 10)],
                                   [panel("Logistic probe", 20), panel("Ridge regression", 40)]])
        figure.caption = "In the study model a linear regression recovers the position after MLP 0 with held-out R² 0.99."
        let (raster, layout) = try render(figure)
        XCTAssertEqual(figure.resolvedSize, Size(width: 960, height: 540))
        XCTAssertEqual(layout.findings.map(\.description), [])
        XCTAssert(layout.panels.flatMap(\.allTexts).allSatisfy { $0.style.size >= 14 })
        // Each panel's curve is drawn in the first palette colour where the data say.
        for p in layout.panels {
            let k = [5.0, 10, 20, 40][p.row * 2 + p.column]
            assertColor(pixel(raster, figure, x: p.px(30), y: p.py(1 - exp(-30 / k))), Style.talk.palette[0], tolerance: 40)
        }
    }

    /// Six labelled series filling the whole plot: no corner is clear, so the legend goes outside.
    func testSixEntryLegendOverDenseData() throws {
        let x = (0...200).map { Double($0) / 20 }
        var marks: [Mark] = []
        for s in 0..<6 {
            let k = Double(s + 1) * 0.9, shift = Double(s) * 0.1
            let y: [Double] = x.map { sin($0 * k) + shift }
            marks.append(.line(x: x, y: y, label: "series \(s + 1): sin(\(s + 1)x)"))
        }
        let gridX: [Double] = (0..<400).map { Double($0 % 20) / 2 }
        let gridY: [Double] = (0..<400).map { Double($0 / 20) / 10 - 1 }
        marks.append(.scatter(x: gridX, y: gridY, color: .gray(0.7), size: 3))
        for figure in [Figure(Panel(title: "Dense", xLabel: "x", yLabel: "y", marks: marks)),
                       Figure(Panel(title: "Dense", xLabel: "x", yLabel: "y", marks: marks), style: .talk)] {
            let (raster, layout) = try render(figure)
            XCTAssertEqual(layout.findings.map(\.description), [], figure.style.name)
            let p = layout.panels[0]
            let legend = try XCTUnwrap(p.legend)
            XCTAssertEqual(legend.entries.count, 6)
            XCTAssertFalse(legend.rect.intersects(p.plot), "the legend sits outside the plot")
            // The sixth swatch is drawn in the sixth palette colour.
            let swatch = legend.entries[5].swatchRect
            assertColor(pixel(raster, figure, x: swatch.midX, y: swatch.midY), figure.style.palette[5], tolerance: 8)
        }
    }

    /// A heatmap with a long title and a labelled colorbar, alone and beside a neighbour.
    func testColorbarBesideATitle() throws {
        let matrix = Matrix(rows: 30, columns: 30, values: (0..<900).map { Double($0 % 30) / 29 })
        let panel = Panel(title: "QK, layer 0: E W<sub>Q</sub> W<sub>K</sub><sup>T</sup> E<sup>T</sup> in the token basis",
                          xLabel: "key token", yLabel: "query token", marks: [.heatmap(matrix)],
                          colorbar: Colorbar(label: "attention score (softmax input)"))
        for figure in [Figure(panel, size: .inches(4, 3.5)), Figure(size: .inches(8, 3.5), grid: [[panel, panel]]),
                       Figure(style: .talk, grid: [[panel, panel]])] {
            let (raster, layout) = try render(figure)
            XCTAssertEqual(layout.findings.map(\.description), [], "\(figure.grid[0].count) panels, \(figure.style.name)")
            let bar = try XCTUnwrap(layout.panels[0].colorbar)
            // The colorbar's top is viridis's last entry, its bottom the first.
            assertColor(pixel(raster, figure, x: bar.rect.midX, y: bar.rect.minY + 2), Colormap.viridis.color(at: 1), tolerance: 12)
            assertColor(pixel(raster, figure, x: bar.rect.midX, y: bar.rect.maxY - 2), Colormap.viridis.color(at: 0), tolerance: 12)
        }
    }

    /// Dark pixels inside `rect` (page points).
    func inkPixels(_ raster: Raster, _ figure: Figure, in rect: Rect) -> Int {
        let scale = figure.dpi / 72
        var count = 0
        for y in Int(rect.minY * scale)..<Int(rect.maxY * scale) {
            for x in Int(rect.minX * scale)..<Int(rect.maxX * scale) where raster[x, y].r < 128 { count += 1 }
        }
        return count
    }
}
