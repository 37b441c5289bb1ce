import CCairo
import Foundation

/// Many opaque rectangles (a Vega-Lite `rect` heatmap's cells) drawn without one Cairo fill each:
/// 2,500 fills cost Cairo about 11 ms, in raster and in PDF output alike.
extension CairoPainter {
    /// Fewer rectangles than this are filled one by one.
    static let rectImageMinimum = 64

    /// Raster output: opaque rectangles (edges snapped to whole pixels, as `drawRects` snaps
    /// them) whose pixels do not overlap, written straight into the image surface. Each pixel
    /// gets what a fill gives it (Cairo's 8-bit colour of an opaque source at full coverage), so
    /// the picture is the same to the bit. Rectangles that reach the clip's partly covered edge
    /// pixels are left to the caller to fill, since only a fill blends there. Returns the indices
    /// the caller must still fill, or nil (nothing written) when a fill is translucent, two
    /// rectangles share a pixel (order decides there), or the target is not a plain image.
    func paintRectPixels(_ m: RectsMark, count n: Int, in p: PanelLayout) -> [Int]? {
        guard target == .raster, n >= Self.rectImageMinimum, m.fills.prefix(n).allSatisfy({ $0.alpha >= 1 }),
              let surface = cairo_get_target(cr), cairo_surface_get_type(surface) == CAIRO_SURFACE_TYPE_IMAGE,
              cairo_image_surface_get_format(surface) == CAIRO_FORMAT_ARGB32 else { return nil }
        let s = pixelsPerPoint
        var matrix = cairo_matrix_t()
        cairo_get_matrix(cr, &matrix)
        guard matrix.xx == s, matrix.yy == s, matrix.xy == 0, matrix.yx == 0, matrix.x0 == 0, matrix.y0 == 0 else { return nil }
        let width = Int(cairo_image_surface_get_width(surface)), height = Int(cairo_image_surface_get_height(surface))
        // Unclipped marks (Vega-Lite's) are cut only by the image's own edges, on whole pixels.
        let clip = p.panel.clipsMarks ? (x0: p.plot.minX * s, x1: p.plot.maxX * s, y0: p.plot.minY * s, y1: p.plot.maxY * s)
                                      : (x0: 0, x1: Double(width), y0: 0, y1: Double(height))
        guard clip.x0.isFinite, clip.x1.isFinite, clip.y0.isFinite, clip.y1.isFinite else { return nil }
        func pixel(_ v: Double, _ rule: FloatingPointRoundingRule) -> Int { Int(max(-1, min(Double(width + height + 1), v.rounded(rule)))) }
        let outer = (x0: max(0, pixel(clip.x0, .down)), x1: min(width, pixel(clip.x1, .up)),
                     y0: max(0, pixel(clip.y0, .down)), y1: min(height, pixel(clip.y1, .up)))
        let inner = (x0: pixel(clip.x0, .up), x1: pixel(clip.x1, .down), y0: pixel(clip.y0, .up), y1: pixel(clip.y1, .down))
        let w = outer.x1 - outer.x0
        guard w > 0, outer.y1 > outer.y0 else { return nil }
        // Device boxes, clamped to the clip's pixels; any pixel claimed twice means overlap.
        var boxes: [(i: Int, x0: Int, x1: Int, y0: Int, y1: Int)] = []
        boxes.reserveCapacity(n)
        var claimed = [UInt8](repeating: 0, count: w * (outer.y1 - outer.y0))
        let disjoint = claimed.withUnsafeMutableBufferPointer { taken -> Bool in
            guard let base = taken.baseAddress else { return false }
            for i in 0..<n {
                let l = p.px(m.x0[i]), r = p.px(m.x1[i]), t = p.py(m.y1[i]), b = p.py(m.y0[i])
                guard l.isFinite, r.isFinite, t.isFinite, b.isFinite else { continue }
                // Clamped as doubles first: a rectangle far outside the plot must not overflow Int.
                func device(_ v: Double, _ lo: Int, _ hi: Int) -> Int { Int(max(Double(lo), min(Double(hi), (v * s).rounded()))) }
                let x0 = device(min(l, r), outer.x0, outer.x1), x1 = device(max(l, r), outer.x0, outer.x1)
                let y0 = device(min(t, b), outer.y0, outer.y1), y1 = device(max(t, b), outer.y0, outer.y1)
                guard x0 < x1, y0 < y1 else { continue }
                for y in y0..<y1 {
                    let span = base + (y - outer.y0) * w + x0 - outer.x0
                    if memchr(span, 1, x1 - x0) != nil { return false }
                    memset(span, 1, x1 - x0)
                }
                boxes.append((i, x0, x1, y0, y1))
            }
            return true
        }
        guard disjoint else { return nil }
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return nil }
        let stride = Int(cairo_image_surface_get_stride(surface))
        var edge: [Int] = []
        for box in boxes {
            guard box.x0 >= inner.x0, box.x1 <= inner.x1, box.y0 >= inner.y0, box.y1 <= inner.y1 else { edge.append(box.i); continue }
            let value = Self.cairoPixel(m.fills[box.i])
            for y in box.y0..<box.y1 {
                let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                UnsafeMutableBufferPointer(start: row + box.x0, count: box.x1 - box.x0).update(repeating: value)
            }
        }
        cairo_surface_mark_dirty_rectangle(surface, Int32(outer.x0), Int32(outer.y0), Int32(w), Int32(outer.y1 - outer.y0))
        return edge
    }

    /// PDF output: opaque rectangles that tile a regular grid, each cell once, as one image of
    /// a pixel per cell (scaled with the NEAREST filter, so /Interpolate false): no seams, and
    /// one image operator instead of thousands of fills. False (nothing drawn) otherwise.
    func paintRectGrid(_ m: RectsMark, count n: Int, in p: PanelLayout) -> Bool {
        guard target == .pdf, n >= Self.rectImageMinimum, m.fills.prefix(n).allSatisfy({ $0.alpha >= 1 }) else { return false }
        var boxes: [(l: Double, r: Double, t: Double, b: Double)] = []
        boxes.reserveCapacity(n)
        for i in 0..<n {
            let l = p.px(m.x0[i]), r = p.px(m.x1[i]), t = p.py(m.y1[i]), b = p.py(m.y0[i])
            guard l.isFinite, r.isFinite, t.isFinite, b.isFinite else { return false }
            boxes.append((min(l, r), max(l, r), min(t, b), max(t, b)))
        }
        guard let grid = RectGrid(boxes) else { return false }
        return paintImage(width: grid.columns, height: grid.rows, at: (grid.left, grid.top),
                          scale: (grid.cellWidth, grid.cellHeight)) { pixels in
            for (i, cell) in grid.cells.enumerated() { pixels[cell] = premultipliedARGB(m.fills[i]) }
        }
    }

    /// An image of `width` × `height` premultiplied ARGB32 pixels (transparent until `fill`
    /// writes them, row by row), painted at `origin` with each pixel `scale` in size, sampled
    /// NEAREST (so a PDF says /Interpolate false). False when Cairo could not make the image.
    func paintImage(width: Int, height: Int, at origin: (Double, Double), scale: (Double, Double),
                    fill: (UnsafeMutableBufferPointer<UInt32>) -> Void) -> Bool {
        let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        defer { cairo_surface_destroy(image) }
        guard cairo_surface_status(image) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(image),
              Int(cairo_image_surface_get_stride(image)) == width * 4 else { return false }
        cairo_surface_flush(image)
        let pixels = UnsafeMutableRawPointer(data).bindMemory(to: UInt32.self, capacity: width * height)
        fill(UnsafeMutableBufferPointer(start: pixels, count: width * height))
        cairo_surface_mark_dirty(image)
        cairo_save(cr)
        cairo_translate(cr, origin.0, origin.1)
        cairo_scale(cr, scale.0, scale.1)
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, Double(width), Double(height))
        cairo_fill(cr)
        cairo_restore(cr)
        return true
    }

    /// The ARGB32 pixel Cairo's image backend stores for an opaque solid source: each channel
    /// as Cairo's 16-bit value (`d * 65535 + 0.5`, truncated) shifted down to 8 bits.
    static func cairoPixel(_ c: Color) -> UInt32 {
        func channel(_ v: Double) -> UInt32 { UInt32(UInt16(max(0, min(1, v.isNaN ? 0 : v)) * 65535 + 0.5) >> 8) }
        return 0xFF00_0000 | channel(c.red) << 16 | channel(c.green) << 8 | channel(c.blue)
    }
}

/// Rectangles (points, top-left origin) that tile a grid of equal cells, each cell once.
struct RectGrid {
    var left: Double, top: Double, cellWidth: Double, cellHeight: Double
    var columns: Int, rows: Int
    /// The cell (row-major index) of each rectangle.
    var cells: [Int]

    /// Edges may differ from the ideal grid by this much (points): far below what any output shows.
    static let tolerance = 1e-4

    init?(_ boxes: [(l: Double, r: Double, t: Double, b: Double)]) {
        guard let first = boxes.first else { return nil }
        left = boxes.map(\.l).min() ?? 0; top = boxes.map(\.t).min() ?? 0
        let right = boxes.map(\.r).max() ?? 0, bottom = boxes.map(\.b).max() ?? 0
        guard first.r > first.l, first.b > first.t else { return nil }
        let cols = ((right - left) / (first.r - first.l)).rounded(), rows = ((bottom - top) / (first.b - first.t)).rounded()
        guard cols >= 1, rows >= 1, cols * rows == Double(boxes.count) else { return nil }
        columns = Int(cols); self.rows = Int(rows)
        cellWidth = (right - left) / cols; cellHeight = (bottom - top) / rows
        var seen = [Bool](repeating: false, count: boxes.count)
        cells = []
        cells.reserveCapacity(boxes.count)
        for box in boxes {
            let c = ((box.l - left) / cellWidth).rounded(), r = ((box.t - top) / cellHeight).rounded()
            guard c >= 0, c < cols, r >= 0, r < rows,
                  abs(box.l - (left + c * cellWidth)) <= Self.tolerance, abs(box.r - (left + (c + 1) * cellWidth)) <= Self.tolerance,
                  abs(box.t - (top + r * cellHeight)) <= Self.tolerance, abs(box.b - (top + (r + 1) * cellHeight)) <= Self.tolerance
            else { return nil }
            let cell = Int(r) * columns + Int(c)
            guard !seen[cell] else { return nil }
            seen[cell] = true
            cells.append(cell)
        }
    }
}
