import Foundation
import Plot
import XCTest

/// Many opaque rectangles are written straight into the image (raster) or drawn as one image of
/// a pixel per cell (PDF) instead of a fill each; the raster pixels must be those of the fills.
final class RectPaintingTests: XCTestCase {
    /// A `columns` × `rows` grid of cells over 0…columns, 0…rows, each its own colour.
    func grid(columns: Int, rows: Int, alpha: Double = 1) -> RectsMark {
        var x0: [Double] = [], x1: [Double] = [], y0: [Double] = [], y1: [Double] = [], fills: [Color] = []
        for r in 0..<rows {
            for c in 0..<columns {
                x0.append(Double(c)); x1.append(Double(c + 1)); y0.append(Double(r)); y1.append(Double(r + 1))
                fills.append(Color(red: Double(c) / Double(columns), green: Double(r) / Double(rows), blue: Double((c * 7 + r * 3) % 11) / 10, alpha: alpha))
            }
        }
        return RectsMark(x0: x0, x1: x1, y0: y0, y1: y1, fills: fills)
    }

    /// The same cells as marks of fewer than 64 rectangles each, which are filled one by one.
    func split(_ m: RectsMark, size: Int) -> [Mark] {
        stride(from: 0, to: m.x0.count, by: size).map { s in
            let e = min(s + size, m.x0.count)
            return .rects(RectsMark(x0: Array(m.x0[s..<e]), x1: Array(m.x1[s..<e]), y0: Array(m.y0[s..<e]), y1: Array(m.y1[s..<e]),
                                    fills: Array(m.fills[s..<e])))
        }
    }

    func figure(_ marks: [Mark], columns: Int, rows: Int, dpi: Double, margin: Double) -> Figure {
        // Limits past the cells on two sides, and an odd size, put cell and clip edges between pixels.
        let panel = Panel(marks: marks, xLimits: -margin...Double(columns), yLimits: 0...(Double(rows) + margin),
                          xTicks: .hidden, yTicks: .hidden, legend: .hidden)
        return Figure(panel, size: .inches(4.37, 3.91), dpi: dpi)
    }

    func testGridPixelsMatchOneFillPerCell() throws {
        for (columns, rows, dpi, margin) in [(50, 50, 72.0, 0.0), (23, 17, 150.0, 0.37), (9, 8, 100.0, 1.5)] {
            let cells = grid(columns: columns, rows: rows)
            let fast = try Renderer.raster(figure([.rects(cells)], columns: columns, rows: rows, dpi: dpi, margin: margin))
            let filled = try Renderer.raster(figure(split(cells, size: 10), columns: columns, rows: rows, dpi: dpi, margin: margin))
            XCTAssertEqual(fast.width, filled.width)
            let differing = zip(fast.rgba, filled.rgba).filter { $0 != $1 }.count
            XCTAssertEqual(differing, 0, "\(columns) x \(rows) at \(dpi) dpi, margin \(margin)")
        }
    }

    /// Overlapping or translucent rectangles keep their fills (later ones over earlier ones).
    func testOverlapsAndTranslucencyKeepTheirOrder() throws {
        var cells = grid(columns: 10, rows: 10)
        cells.x1 = cells.x1.map { $0 + 0.5 }   // each cell reaches into the next
        let overlapping = try Renderer.raster(figure([.rects(cells)], columns: 10, rows: 10, dpi: 100, margin: 0))
        let filled = try Renderer.raster(figure(split(cells, size: 10), columns: 10, rows: 10, dpi: 100, margin: 0))
        XCTAssertEqual(overlapping.rgba, filled.rgba)
        let translucent = grid(columns: 10, rows: 10, alpha: 0.5)
        XCTAssertEqual(try Renderer.raster(figure([.rects(translucent)], columns: 10, rows: 10, dpi: 100, margin: 0)).rgba,
                       try Renderer.raster(figure(split(translucent, size: 10), columns: 10, rows: 10, dpi: 100, margin: 0)).rgba)
    }

    /// A rectangle reaching far outside the plot is clipped, not an overflow.
    func testFarRectangleIsClipped() throws {
        var cells = grid(columns: 10, rows: 10)
        cells.x1[0] = 1e300
        cells.y0[99] = -1e300
        XCTAssertEqual(try Renderer.raster(figure([.rects(cells)], columns: 10, rows: 10, dpi: 100, margin: 0)).rgba,
                       try Renderer.raster(figure(split(cells, size: 10), columns: 10, rows: 10, dpi: 100, margin: 0)).rgba)
    }

    /// Unclipped (Vega-Lite's marks), cells past the plot are drawn whole, as fills draw them.
    func testUnclippedCellsPastThePlotAreDrawnWhole() throws {
        func raster(_ marks: [Mark]) throws -> Raster {
            var panel = Panel(marks: marks, xLimits: 0...8, yLimits: 0...10, xTicks: .hidden, yTicks: .hidden, legend: .hidden)
            panel.clipsMarks = false
            return try Renderer.raster(Figure(panel, size: .inches(4, 3), dpi: 100))
        }
        let cells = grid(columns: 10, rows: 10)
        XCTAssertEqual(try raster([.rects(cells)]).rgba, try raster(split(cells, size: 10)).rgba)
    }

    /// In a PDF a full grid is one image with /Interpolate false; a broken grid stays fills.
    func testPDFGridIsOneImage() throws {
        let cells = grid(columns: 30, rows: 20)
        let pdf = String(decoding: try Renderer.pdf(figure([.rects(cells)], columns: 30, rows: 20, dpi: 72, margin: 0)), as: UTF8.self)
        XCTAssertTrue(pdf.contains("/Subtype /Image"))
        XCTAssertTrue(pdf.contains("/Interpolate false"))
        var broken = cells
        broken.x1[5] += 0.3
        let fills = String(decoding: try Renderer.pdf(figure([.rects(broken)], columns: 30, rows: 20, dpi: 72, margin: 0)), as: UTF8.self)
        XCTAssertFalse(fills.contains("/Subtype /Image"))
    }
}
