import CCairo

/// Rectangles in data units, each with its own colour: bars of any orientation, stacked bars,
/// heatmap cells at arbitrary positions, tick marks. What a grammar of graphics (Vega-Lite)
/// produces item by item, where `BarMark` and `HeatmapMark` describe whole series.
public struct RectsMark: Equatable, Sendable {
    public var x0: [Double]
    public var x1: [Double]
    public var y0: [Double]
    public var y1: [Double]
    public var fills: [Color]
    /// An outline per rectangle (nil: none).
    public var stroke: Color?
    public var strokeWidth: Double
    /// The legend entry's label and colour.
    public var label: String?
    public var legendColor: Color?

    public init(x0: [Double], x1: [Double], y0: [Double], y1: [Double], fills: [Color], stroke: Color? = nil,
                strokeWidth: Double = 1, label: String? = nil, legendColor: Color? = nil) {
        self.x0 = x0; self.x1 = x1; self.y0 = y0; self.y1 = y1
        self.fills = fills
        self.stroke = stroke
        self.strokeWidth = strokeWidth
        self.label = label
        self.legendColor = legendColor
    }
}

/// Symbols centred at data positions, each with its own diameter (points) and colour; filled
/// or outlined. A mark with no points and a label is a legend entry only.
public struct SymbolsMark: Equatable, Sendable {
    public var x: [Double]
    public var y: [Double]
    public var diameters: [Double]
    public var colors: [Color]
    public var shapes: [MarkerShape]
    public var filled: Bool
    public var strokeWidth: Double
    public var label: String?
    public var legendColor: Color?
    public var legendDiameter: Double?
    public var legendShape: MarkerShape

    public init(x: [Double], y: [Double], diameters: [Double], colors: [Color], shapes: [MarkerShape],
                filled: Bool = true, strokeWidth: Double = 1, label: String? = nil, legendColor: Color? = nil,
                legendDiameter: Double? = nil, legendShape: MarkerShape = .circle) {
        self.x = x; self.y = y
        self.diameters = diameters
        self.colors = colors
        self.shapes = shapes
        self.filled = filled
        self.strokeWidth = strokeWidth
        self.label = label
        self.legendColor = legendColor
        self.legendDiameter = legendDiameter
        self.legendShape = legendShape
    }
}

extension Mark {
    public static func rects(_ mark: RectsMark) -> Mark { Mark(.rects(mark)) }
    public static func symbols(_ mark: SymbolsMark) -> Mark { Mark(.symbols(mark)) }
}

extension CairoPainter {
    func drawRects(_ m: RectsMark, in p: PanelLayout) {
        var current: Color? = nil
        let n = min(m.x0.count, m.x1.count, m.y0.count, m.y1.count, m.fills.count)
        let toFill = paintRectPixels(m, count: n, in: p) ?? (paintRectGrid(m, count: n, in: p) ? [] : Array(0..<n))
        for i in toFill {
            let l = p.px(m.x0[i]), r = p.px(m.x1[i]), t = p.py(m.y1[i]), b = p.py(m.y0[i])
            guard l.isFinite, r.isFinite, t.isFinite, b.isFinite else { continue }
            let c = m.fills[i]
            if c != current {
                if current != nil { cairo_fill(cr) }
                setColor(c)
                current = c
            }
            let (sl, sr, st, sb) = (snapEdge(l), snapEdge(r), snapEdge(t), snapEdge(b))
            cairo_rectangle(cr, min(sl, sr), min(st, sb), abs(sr - sl), abs(sb - st))
            // Translucent rectangles are filled one by one so that overlaps darken, as in Vega.
            if c.alpha < 1 { cairo_fill(cr); current = nil }
        }
        if current != nil { cairo_fill(cr) }
        guard let stroke = m.stroke else { return }
        setColor(stroke)
        cairo_set_line_width(cr, m.strokeWidth)
        for i in 0..<n {
            let l = p.px(m.x0[i]), r = p.px(m.x1[i]), t = p.py(m.y1[i]), b = p.py(m.y0[i])
            guard l.isFinite, r.isFinite, t.isFinite, b.isFinite else { continue }
            cairo_rectangle(cr, min(l, r), min(t, b), abs(r - l), abs(b - t))
        }
        cairo_stroke(cr)
    }

    func drawSymbols(_ m: SymbolsMark, in p: PanelLayout) {
        let n = min(m.x.count, m.y.count, m.diameters.count, m.colors.count)
        if m.filled && m.shapes.allSatisfy({ $0 == .circle || $0 == .none }) {
            drawDots(m, count: n, in: p)
            return
        }
        cairo_set_line_width(cr, m.strokeWidth)
        for i in 0..<n {
            let x = p.px(m.x[i]), y = p.py(m.y[i])
            guard x.isFinite, y.isFinite, m.diameters[i] > 0 else { continue }
            setColor(m.colors[i])
            let shape = i < m.shapes.count ? m.shapes[i] : .circle
            markerPath(shape == .none ? .circle : shape, x: x, y: y, size: m.diameters[i])
            if m.filled { cairo_fill(cr) } else { cairo_stroke(cr) }
        }
    }

    /// Filled circles (translucent overlaps darken, as in Vega): in raster output one by one,
    /// stamped from pre-rendered masks (as `drawScatter` does); in vector output in batches.
    func drawDots(_ m: SymbolsMark, count n: Int, in p: PanelLayout) {
        guard target == .raster else {
            strokeDotBatches(m, count: n, in: p)
            return
        }
        var stamps: [Double: DotStamp] = [:]
        var current: Color? = nil
        cairo_save(cr)
        cairo_identity_matrix(cr)
        for i in 0..<n {
            let x = p.px(m.x[i]), y = p.py(m.y[i]), d = m.diameters[i]
            guard x.isFinite, y.isFinite, d > 0 else { continue }
            let c = m.colors[i]
            if c != current { setColor(c); current = c }
            let device = d * pixelsPerPoint
            if stamps[device] == nil { stamps[device] = DotStamp(diameter: device) }
            if let stamp = stamps[device] {
                stamp.draw(on: cr, x: x * pixelsPerPoint, y: y * pixelsPerPoint)
                continue
            }
            cairo_new_path(cr)
            cairo_arc(cr, x * pixelsPerPoint, y * pixelsPerPoint, device / 2, 0, 2 * .pi)
            cairo_fill(cr)
        }
        cairo_restore(cr)
    }

    /// Vector dots as zero-length round-capped strokes, two coordinates each instead of four
    /// Bézier curves; one stroke per batch of `PaintBatches` (same colour and diameter).
    func strokeDotBatches(_ m: SymbolsMark, count n: Int, in p: PanelLayout) {
        struct Paint: Hashable { var color: Color; var diameter: Double }
        var xs: [Double] = [], ys: [Double] = [], radii: [Double] = [], paint: [Int] = []
        var ids: [Paint: Int] = [:], paints: [Paint] = []
        for i in 0..<n {
            let x = p.px(m.x[i]), y = p.py(m.y[i]), d = m.diameters[i]
            guard x.isFinite, y.isFinite, d > 0, d.isFinite else { continue }
            xs.append(x); ys.append(y); radii.append(d / 2)
            let key = Paint(color: m.colors[i], diameter: d)
            if let id = ids[key] { paint.append(id) } else { ids[key] = paints.count; paint.append(paints.count); paints.append(key) }
        }
        let batches = PaintBatches(x0: zip(xs, radii).map { $0 - $1 }, y0: zip(ys, radii).map { $0 - $1 },
                                   x1: zip(xs, radii).map { $0 + $1 }, y1: zip(ys, radii).map { $0 + $1 }, paint: paint) { i, j in
            let dx = xs[i] - xs[j], dy = ys[i] - ys[j], reach = radii[i] + radii[j] - PaintBatches.tolerance
            return dx * dx + dy * dy < reach * reach
        }
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        var width = -1.0
        for (k, start) in batches.starts.enumerated() {
            let end = k + 1 < batches.starts.count ? batches.starts[k + 1] : batches.order.count
            let style = paints[paint[batches.order[start]]]
            setColor(style.color)
            if style.diameter != width { cairo_set_line_width(cr, style.diameter); width = style.diameter }
            for i in batches.order[start..<end] {
                cairo_move_to(cr, xs[i], ys[i])
                cairo_close_path(cr)
            }
            cairo_stroke(cr)
        }
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }
}
