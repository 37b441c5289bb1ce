import XCTest
import Plot

/// Captions under the panels (slides) and frameless text panels (title pages).
final class CaptionTests: XCTestCase {
    private var captioned: Figure {
        var figure = Figure(Panel(title: "Loss", xLabel: "step", yLabel: "loss", marks: [.line(y: [3, 2, 1])]),
                            size: .inches(4, 3))
        figure.caption = Array(repeating: "A long caption that must wrap onto several lines.", count: 4).joined(separator: " ")
        return figure
    }

    func testCaptionWrapsBelowThePanelsWithoutOverlap() throws {
        let layout = try Layout.figure(captioned, measurer: PangoText.shared.get())
        XCTAssertGreaterThan(layout.caption.count, 1, "a long caption wraps")
        let plotBottom = layout.panels.map { $0.plot.maxY }.max() ?? 0
        for line in layout.caption {
            XCTAssertLessThanOrEqual(line.bounds.width, layout.size.width)
            XCTAssertGreaterThan(line.bounds.minY, plotBottom, "caption lines sit below the plot")
            XCTAssertLessThanOrEqual(line.bounds.maxY, layout.size.height + 0.01)
        }
        let boxes = layout.boxes
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                XCTAssertFalse(boxes[i].rect.intersects(boxes[j].rect), "\(boxes[i].name) overlaps \(boxes[j].name)")
            }
        }
    }

    func testAFramelessPanelDrawsNoAxes() throws {
        let panel = { (frame: Bool) in
            Figure(Panel(marks: [.text("title", x: 0.5, y: 0.5)], xLimits: 0...1, yLimits: 0...1,
                         xTicks: .hidden, yTicks: .hidden, frame: frame), size: .inches(2, 2), dpi: 50)
        }
        let framed = try Renderer.raster(panel(true)), bare = try Renderer.raster(panel(false))
        let plot = try XCTUnwrap(Layout.figure(panel(true), measurer: PangoText.shared.get()).panels.first?.plot)
        // The left edge of the axes box, halfway down: dark with a frame, background without.
        let (x, y) = (Int((plot.minX * 50 / 72).rounded()), Int((plot.midY * 50 / 72).rounded()))
        XCTAssertLessThan(Int(framed[x, y].r), 200)   // antialiased edge of a dark line
        XCTAssertEqual(bare[x, y].r, 255)
    }
}
