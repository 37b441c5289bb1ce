import Plot
import XCTest

/// A legend draws its swatches and texts and nothing between them.
final class LegendPixelTests: XCTestCase {
    func testNothingIsDrawnBetweenLegendEntries() throws {
        let panel = Panel(marks: [.line(x: [0, 1], y: [0, 1], label: "a/(a + i), a = 8.0", dash: .dashed),
                                  .scatter(x: [0.2], y: [0.8], label: "seed 0"), .scatter(x: [0.3], y: [0.7], label: "seed 1")],
                          legend: .outsideRight)
        let figure = Figure(panel, style: .talk)
        let (raster, layout) = try render(figure)
        XCTAssertEqual(layout.findings.map(\.description), [])
        let legend = try XCTUnwrap(layout.panels[0].legend)
        let inked = legend.entries.flatMap { [$0.swatchRect, $0.text.bounds] }.map { $0.insetBy(dx: -1, dy: -1) }
        let inner = legend.rect.insetBy(dx: 3, dy: 3)
        /// Pixels off white between the entries, at `dpi`.
        func stray(_ image: Raster, dpi: Double) -> Int {
            let scale = dpi / 72
            var count = 0
            for py in Int(inner.minY * scale)..<Int(inner.maxY * scale) {
                for px in Int(inner.minX * scale)..<Int(inner.maxX * scale) {
                    let (x, y) = (Double(px) / scale, Double(py) / scale)
                    if inked.contains(where: { $0.contains(x: x, y: y) }) { continue }
                    let p = image[px, py]
                    if p.r < 250 || p.g < 250 || p.b < 250 { count += 1 }
                }
            }
            return count
        }
        XCTAssertEqual(stray(raster, dpi: figure.dpi), 0, "pixels drawn between the legend's entries")
        // PDF viewers draw even a zero-area sliver as a hairline, so look at the PDF too.
        let pdf = temporaryPath("legend-entries.pdf"), png = temporaryPath("legend-entries")
        try figure.writePDF(to: pdf)
        if try runTool("pdftoppm", ["-r", "150", "-png", "-singlefile", pdf, png]) != nil {
            XCTAssertEqual(stray(try Raster.readPNG(png + ".png"), dpi: 150), 0, "hairlines between the PDF legend's entries")
        }
        // The scatter swatches are drawn in their marks' colours.
        let swatch = legend.entries[1].swatchRect
        assertColor(pixel(raster, figure, x: swatch.midX, y: swatch.midY), Style.talk.palette[1], tolerance: 8)
    }
}
