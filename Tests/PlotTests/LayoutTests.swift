import XCTest
import Plot

final class LayoutTests: XCTestCase {
    /// Every text and guide box lies inside the figure and no two overlap.
    func assertClean(_ layout: FigureLayout, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let boxes = layout.boxes
        let page = Rect(x: 0, y: 0, width: layout.size.width, height: layout.size.height)
        for box in boxes {
            XCTAssertTrue(box.rect.minX >= -0.01 && box.rect.minY >= -0.01 && box.rect.maxX <= page.maxX + 0.01
                          && box.rect.maxY <= page.maxY + 0.01,
                          "\(name): \(box.name) \(box.rect) leaves the page \(page)", file: file, line: line)
        }
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                XCTAssertFalse(boxes[i].rect.intersects(boxes[j].rect),
                               "\(name): \(boxes[i].name) \(boxes[i].rect) overlaps \(boxes[j].name) \(boxes[j].rect)",
                               file: file, line: line)
            }
        }
        for panel in layout.panels {
            if let legend = panel.legend {
                let inside = legend.rect.minX >= panel.plot.minX && legend.rect.maxX <= panel.plot.maxX
                    && legend.rect.minY >= panel.plot.minY && legend.rect.maxY <= panel.plot.maxY
                XCTAssertTrue(inside || !legend.rect.intersects(panel.plot),
                              "\(name): legend half in its plot", file: file, line: line)
            }
        }
        XCTAssertEqual(layout.findings.map(\.description), [], name, file: file, line: line)
    }

    static func sampleFigures() -> [(String, Figure)] {
        let steps = (0..<400).map(Double.init)
        let loss = steps.map { 5.7 * exp(-$0 / 60) + 0.003 }
        let lossPanel = Panel(title: "Loss", xLabel: "step", yLabel: "cross-entropy", marks: [
            .band(x: steps, lower: loss.map { $0 * 0.8 }, upper: loss.map { $0 * 1.25 }),
            .line(x: steps, y: loss, label: "mean over seeds"),
            .hline(log(299), label: "uniform (ln 299)"),
        ], yScale: .log)
        let attention = Matrix(rows: 50, columns: 50, values: (0..<2500).map { i in
            let (q, k) = (i / 50, i % 50)
            return k > q ? .nan : 8 / (8 + Double(q))
        })
        let heat = Panel(title: "Layer 0 attention", xLabel: "key position", yLabel: "query position",
                         marks: [.heatmap(attention)], colorbar: Colorbar(label: "weight"))
        let scatter = Panel(title: "Residual PCA", xLabel: "PC 1", yLabel: "PC 2", marks: [
            .scatter(x: (0..<500).map { cos(Double($0) / 30) * Double($0) }, y: (0..<500).map { sin(Double($0) / 30) * Double($0) },
                     values: (0..<500).map { Double($0 % 50) }),
        ], colorbar: Colorbar(label: "position"))
        let bars = Panel(title: "Ablation", yLabel: "loss increase", marks: Mark.groupedBars(
            series: [[0.1, 2, 30, 0.4], [0.05, 1, 12, 0.3]], errors: [[0.01, 0.2, 3, 0.04], [0.01, 0.1, 1, 0.03]],
            labels: ["layer 0", "layer 1"]), yScale: .log,
            xTicks: .at([0, 1, 2, 3], labels: ["embed", "attn 0", "MLP 0", "attn 1"]))
        let labelled = Panel(title: "W<sub>QK</sub> composition", marks: [
            .heatmap(Matrix([[0.1, -0.4], [0.9, 0.02]]), scale: .diverging, annotate: true,
                     rowLabels: ["L0 H0", "L1 H0"], columnLabels: ["Q", "K"]),
        ], colorbar: Colorbar(label: "σ"))
        let big = Panel(title: "Large values", xLabel: "tokens", yLabel: "count",
                        marks: [.line(x: [-0.5, 1e6], y: [1e-9, 3e-9], marker: .circle)])
        return [
            ("reference", try! ReferenceFigure.figure(ReferenceFigure.data())),
            ("single", Figure(lossPanel)),
            ("grid 2x3", Figure(size: .inches(12, 7), suptitle: "Previous-token study", grid: [
                [lossPanel, heat, scatter], [bars, labelled, big]])),
            ("paper", Figure(lossPanel, style: .paper)),
            ("paper heat", Figure(heat, style: .paper)),
            ("talk", Figure(style: .talk, suptitle: "Talk", grid: [[lossPanel, heat]])),
            ("ragged shared", Figure(sharedX: true, sharedY: true, grid: [[lossPanel, lossPanel], [lossPanel]])),
            ("paper annotated", Figure(Panel(title: "Probe accuracy by layer", xLabel: "position", yLabel: "stream", marks: [
                .heatmap(Matrix(rows: 5, columns: 10, values: (0..<50).map { Double(($0 * 37) % 100) / 100 }),
                         scale: .magma, annotate: true, rowLabels: ["embed", "resid 0 mid", "resid 0", "resid 1 mid", "resid 1"]),
            ], colorbar: Colorbar(label: "R<sup>2</sup>")), style: .paper)),
        ]
    }

    func testNothingOverlapsWithPangoMeasurement() throws {
        for (name, figure) in Self.sampleFigures() {
            assertClean(try Renderer.layout(figure), name)
        }
    }

    func testNothingOverlapsWithApproximateMeasurement() throws {
        for (name, figure) in Self.sampleFigures() {
            assertClean(try Layout.figure(figure, measurer: ApproximateTextMeasurer()), name)
        }
    }

    func testGridCellsShareSizes() throws {
        let panel = Panel(title: "t", xLabel: "x", yLabel: "y", marks: [.line(y: [1, 2, 3])])
        let layout = try Renderer.layout(Figure(grid: [[panel, panel], [panel, panel]]))
        let sizes = layout.panels.map { ($0.plot.width, $0.plot.height) }
        for s in sizes {
            XCTAssertEqual(s.0, sizes[0].0, accuracy: 1e-9)
            XCTAssertEqual(s.1, sizes[0].1, accuracy: 1e-9)
        }
    }

    func testHeatmapHasEqualAspectAndDownwardRows() throws {
        let layout = try Renderer.layout(Figure(Panel(marks: [.heatmap(Matrix(rows: 4, columns: 8, values: [Double](repeating: 1, count: 32)))]),
                                                size: .inches(6, 6)))
        let p = layout.panels[0]
        XCTAssertEqual(p.plot.width / p.plot.height, 2, accuracy: 1e-9)
        XCTAssertTrue(p.yInverted)
        XCTAssertEqual(p.x.lower, -0.5)
        XCTAssertEqual(p.x.upper, 7.5)
    }

    func testSharedAxesShareLimitsAndHideInnerLabels() throws {
        let a = Panel(xLabel: "x", yLabel: "y", marks: [.line(x: [0, 1], y: [0, 1])])
        let b = Panel(xLabel: "x", yLabel: "y", marks: [.line(x: [0, 10], y: [0, 5])])
        let layout = try Renderer.layout(Figure(sharedX: true, sharedY: true, grid: [[a, b], [b, a]]))
        let topLeft = layout.panels[0], topRight = layout.panels[1], bottomLeft = layout.panels[2]
        XCTAssertEqual(topLeft.x.upper, bottomLeft.x.upper)
        XCTAssertEqual(topLeft.y.upper, topRight.y.upper)
        XCTAssertTrue(topLeft.x.tickLabels.isEmpty)
        XCTAssertNil(topLeft.x.label)
        XCTAssertFalse(bottomLeft.x.tickLabels.isEmpty)
        XCTAssertTrue(topRight.y.tickLabels.isEmpty)
        XCTAssertFalse(topLeft.y.tickLabels.isEmpty)
    }

    func testLegendAvoidsTheData() throws {
        // Data fill the upper right, so the legend must go elsewhere.
        let xs = (0..<100).map { 0.5 + Double($0 % 10) / 20 }, ys = (0..<100).map { 0.5 + Double($0 / 10) / 20 }
        let panel = Panel(marks: [.scatter(x: xs, y: ys, label: "points")], xLimits: 0...1, yLimits: 0...1)
        let layout = try Renderer.layout(Figure(panel))
        let p = layout.panels[0]
        let legend = try XCTUnwrap(p.legend)
        XCTAssertLessThan(legend.rect.midX, p.plot.midX)
        for (x, y) in zip(xs, ys) {
            XCTAssertFalse(legend.rect.contains(x: p.px(x), y: p.py(y)))
        }
    }

    func testTicksFitTheAxis() throws {
        let panel = Panel(marks: [.line(x: [0, 1e6], y: [0, 1])])
        let narrow = try Renderer.layout(Figure(panel, size: .inches(2, 2))).panels[0]
        let wide = try Renderer.layout(Figure(panel, size: .inches(10, 2))).panels[0]
        XCTAssertLessThan(narrow.x.ticks.count, wide.x.ticks.count)
        for axis in [narrow.x, wide.x] {
            for (a, b) in zip(axis.tickLabels, axis.tickLabels.dropFirst()) {
                XCTAssertFalse(a.bounds.intersects(b.bounds), "\(a.markup) overlaps \(b.markup)")
            }
        }
    }

    func testStyleSwitchNeedsNoOtherChange() throws {
        let figure = LayoutTests.sampleFigures()[1].1
        let paper = try Renderer.layout(figure.styled(.paper))
        let talk = try Renderer.layout(figure.styled(.talk))
        XCTAssertEqual(paper.size.width, 3.3 * 72, accuracy: 1e-9)
        XCTAssertEqual(talk.size.width / talk.size.height, 16.0 / 9.0, accuracy: 0.01)
        XCTAssertEqual(talk.panels[0].title?.style.size, Style.talk.titleSize)
    }

    func testFigureTooSmallIsATypedError() {
        let panel = Panel(title: "a very long title", xLabel: "x", yLabel: "y", marks: [.line(y: [1, 2])])
        XCTAssertThrowsError(try Renderer.layout(Figure(panel, size: .points(30, 30)))) { error in
            guard case PlotError.figureTooSmall = error else { return XCTFail("\(error)") }
        }
    }
}

final class GalleryTests: XCTestCase {
    /// Every sample figure renders to all three formats; the PNGs are left in the temporary
    /// directory for a person to look at.
    func testSampleFiguresRender() throws {
        for (name, figure) in LayoutTests.sampleFigures() {
            let base = temporaryPath(name.replacingOccurrences(of: " ", with: "-"))
            try figure.writePNG(to: base + ".png", source: "PlotTests")
            try figure.writePDF(to: base + ".pdf")
            try figure.writeSVG(to: base + ".svg")
            let png = try XCTUnwrap(FileManager.default.contents(atPath: base + ".png"))
            XCTAssertGreaterThan(png.count, 1000, name)
        }
    }
}

final class WideTextLayoutTests: XCTestCase {
    func testWideTitlesInAGridDoNotCollide() throws {
        let panel = Panel(title: "Somewhat long title here", xLabel: "an x label, long too",
                          marks: [.line(y: [1, 2, 3])])
        let layout = try Renderer.layout(Figure(size: .inches(8, 3), grid: [[panel, panel, panel]]))
        let titles = layout.panels.compactMap(\.title)
        XCTAssertEqual(titles.count, 3)
        for (a, b) in zip(titles, titles.dropFirst()) {
            XCTAssertFalse(a.bounds.intersects(b.bounds), "\(a.bounds) overlaps \(b.bounds)")
        }
        let labels = layout.panels.compactMap(\.x.label)
        for (a, b) in zip(labels, labels.dropFirst()) {
            XCTAssertFalse(a.bounds.intersects(b.bounds))
        }
    }
}
