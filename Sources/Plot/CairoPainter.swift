import CCairo
import Foundation

/// The drawing pass: reads a `FigureLayout` and issues Cairo calls. The only code besides the
/// output writers that touches Cairo.
struct CairoPainter {
    enum Target { case raster, pdf, svg }

    let cr: OpaquePointer
    let text: PangoText
    let target: Target
    /// Device pixels per point, for snapping strokes to whole pixels in raster output.
    let pixelsPerPoint: Double

    /// Draws the whole figure. Call with `text.lock` held.
    func draw(_ layout: FigureLayout) {
        let style = layout.style
        text.attachLocked(to: cr)
        setColor(style.background)
        cairo_paint(cr)
        for panel in layout.panels {
            drawPanel(panel, style: style)
        }
        if let s = layout.suptitle { drawText(s) }
        for line in layout.caption { drawText(line) }
    }

    // MARK: - Panel

    func drawPanel(_ p: PanelLayout, style: Style) {
        if p.gridLines { drawGrid(p, style: style) }
        cairo_save(cr)
        if p.panel.clipsMarks {
            cairo_rectangle(cr, p.plot.x, p.plot.y, p.plot.width, p.plot.height)
            cairo_clip(cr)
        }
        for (i, mark) in p.panel.marks.enumerated() {
            let color = p.markColors[i]
            switch mark.kind {
            case .heatmap(let m): drawHeatmap(m, norm: p.markNorms[i]!, in: p, style: style)
            case .band(let m): drawBand(m, color: color, in: p)
            case .bars(let m): drawBars(m, color: color, in: p, style: style)
            case .line(let m): drawLine(m, color: color, in: p, style: style)
            case .scatter(let m): drawScatter(m, color: color, norm: p.markNorms[i], in: p, style: style)
            case .rule(let m): drawRule(m, color: color, in: p, style: style)
            case .text: break   // Placed by the layout, drawn below with the cell numbers.
            case .rects(let m): drawRects(m, in: p)
            case .symbols(let m): drawSymbols(m, in: p)
            }
        }
        for t in p.markTexts { drawText(t) }
        cairo_restore(cr)
        if p.panel.frame { drawAxes(p, style: style) }
        if let c = p.colorbar { drawColorbar(c, style: style) }
        if let l = p.legend { drawLegend(l, style: style) }
    }

    func drawGrid(_ p: PanelLayout, style: Style) {
        setColor(style.gridColor)
        cairo_set_line_width(cr, style.axisLineWidth * 0.8)
        for tick in p.x.ticks {
            let x = snap(p.px(tick.value), style.axisLineWidth * 0.8)
            cairo_move_to(cr, x, p.plot.minY)
            cairo_line_to(cr, x, p.plot.maxY)
        }
        for tick in p.y.ticks {
            let y = snap(p.py(tick.value), style.axisLineWidth * 0.8)
            cairo_move_to(cr, p.plot.minX, y)
            cairo_line_to(cr, p.plot.maxX, y)
        }
        cairo_stroke(cr)
    }

    func drawAxes(_ p: PanelLayout, style: Style) {
        let lw = style.axisLineWidth
        setColor(style.foreground)
        cairo_set_line_width(cr, lw)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_SQUARE)
        let l = snap(p.plot.minX, lw), r = snap(p.plot.maxX, lw)
        let t = snap(p.plot.minY, lw), b = snap(p.plot.maxY, lw)
        cairo_rectangle(cr, l, t, r - l, b - t)
        cairo_stroke(cr)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        cairo_set_line_width(cr, style.tickWidth)
        // Ticks point away from the plot on the axis's side.
        let (xBase, xOut) = p.panel.xAxisSide == .top ? (t, -1.0) : (b, 1.0)
        let (yBase, yOut) = p.panel.yAxisSide == .right ? (r, 1.0) : (l, -1.0)
        for tick in p.x.ticks {
            let x = snap(p.px(tick.value), style.tickWidth)
            cairo_move_to(cr, x, xBase)
            cairo_line_to(cr, x, xBase + xOut * style.tickLength)
        }
        for value in p.x.minorTicks {
            let x = snap(p.px(value), style.tickWidth)
            cairo_move_to(cr, x, xBase)
            cairo_line_to(cr, x, xBase + xOut * style.minorTickLength)
        }
        for tick in p.y.ticks {
            let y = snap(p.py(tick.value), style.tickWidth)
            cairo_move_to(cr, yBase, y)
            cairo_line_to(cr, yBase + yOut * style.tickLength, y)
        }
        for value in p.y.minorTicks {
            let y = snap(p.py(value), style.tickWidth)
            cairo_move_to(cr, yBase, y)
            cairo_line_to(cr, yBase + yOut * style.minorTickLength, y)
        }
        cairo_stroke(cr)
        for t in p.x.tickLabels + p.y.tickLabels { drawText(t) }
        if let t = p.x.label { drawText(t) }
        if let t = p.y.label { drawText(t) }
        if let t = p.title { drawText(t) }
    }

    // MARK: - Marks

    func drawLine(_ m: LineMark, color: Color, in p: PanelLayout, style: Style) {
        let width = m.width ?? style.lineWidth
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        setDash(m.dash, width: width)
        var penDown = false
        for i in m.x.indices {
            let x = p.px(m.x[i]), y = p.py(m.y[i])
            guard x.isFinite, y.isFinite else { penDown = false; continue }
            if penDown { cairo_line_to(cr, x, y) } else { cairo_move_to(cr, x, y); penDown = true }
        }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
        if m.marker != .none {
            let size = style.markerSize
            for i in m.x.indices {
                let x = p.px(m.x[i]), y = p.py(m.y[i])
                guard x.isFinite, y.isFinite else { continue }
                markerPath(m.marker, x: x, y: y, size: size)
            }
            cairo_fill(cr)
        }
    }

    func drawScatter(_ m: ScatterMark, color: Color, norm: ResolvedNorm?, in p: PanelLayout, style: Style) {
        let diameter = m.size ?? style.markerSize
        let colorOf: (Int) -> Color
        switch m.coloring {
        case .fixed:
            colorOf = { _ in color }
        case .values(let values, let scale):
            let norm = norm ?? ResolvedNorm.resolve(scale.norm, values: values)
            colorOf = { scale.colormap.color(at: norm.normalize(values[$0])) }
        case .categories(let categories, let palette):
            let palette = palette ?? style.palette
            colorOf = { palette[categories[$0]] }
        }
        let stamp = target == .raster ? DotStamp(diameter: diameter * pixelsPerPoint) : nil
        if stamp != nil {
            cairo_save(cr)
            cairo_identity_matrix(cr)
        } else {
            // Vector output: a zero-length stroke with round caps is a dot, and costs two
            // coordinates instead of four Bézier curves.
            cairo_set_line_width(cr, diameter)
            cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND)
        }
        var current: Color? = nil
        var pending = false
        for i in m.x.indices {
            let x = p.px(m.x[i]), y = p.py(m.y[i])
            guard x.isFinite, y.isFinite else { continue }
            var c = colorOf(i)
            c.alpha *= m.alpha
            if c != current {
                if pending { cairo_stroke(cr); pending = false }
                setColor(c)
                current = c
            }
            if let stamp {
                stamp.draw(on: cr, x: x * pixelsPerPoint, y: y * pixelsPerPoint)
            } else {
                // Consecutive opaque dots of one colour share a stroke: same picture, fewer
                // operators. Translucent dots stay separate so that overlaps darken.
                cairo_move_to(cr, x, y)
                cairo_close_path(cr)
                pending = true
                if c.alpha < 1 { cairo_stroke(cr); pending = false }
            }
        }
        if pending { cairo_stroke(cr) }
        if stamp != nil { cairo_restore(cr) }
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
    }

    func drawHeatmap(_ m: HeatmapMark, norm: ResolvedNorm, in p: PanelLayout, style: Style) {
        let rows = m.matrix.rows, cols = m.matrix.columns
        var x0 = p.px(-0.5), x1 = p.px(Double(cols) - 0.5)
        var y0 = p.py(-0.5), y1 = p.py(Double(rows) - 0.5)
        guard x0.isFinite, x1.isFinite, y0.isFinite, y1.isFinite else { return }
        let colors = m.matrix.values.map { m.scale.colormap.color(at: norm.normalize($0)) }
        if target == .svg {
            // Cairo's SVG backend ignores the pattern filter, so cells are rectangles there.
            let cw = (x1 - x0) / Double(cols), ch = (y1 - y0) / Double(rows)
            for r in 0..<rows {
                for c in 0..<cols {
                    let color = colors[r * cols + c]
                    guard color.alpha > 0 else { continue }
                    setColor(color)
                    cairo_rectangle(cr, x0 + Double(c) * cw, y0 + Double(r) * ch, cw, ch)
                    cairo_fill(cr)
                }
            }
        } else {
            if target == .raster {
                x0 = snapEdge(x0); x1 = snapEdge(x1); y0 = snapEdge(y0); y1 = snapEdge(y1)
            }
            _ = paintImage(width: cols, height: rows, at: (x0, y0), scale: ((x1 - x0) / Double(cols), (y1 - y0) / Double(rows))) { pixels in
                for k in pixels.indices { pixels[k] = premultipliedARGB(colors[k]) }
            }
        }
    }

    func drawBars(_ m: BarMark, color: Color, in p: PanelLayout, style: Style) {
        setColor(color)
        // A baseline a log axis cannot show (zero, say) means "from the bottom of the axis".
        let base = p.py(m.baseline).isFinite ? p.py(m.baseline) : (p.yInverted ? p.plot.minY : p.plot.maxY)
        for i in m.x.indices {
            let l = p.px(m.x[i] - m.width / 2), r = p.px(m.x[i] + m.width / 2)
            let t = p.py(m.heights[i]), b = base
            guard l.isFinite, r.isFinite, t.isFinite, b.isFinite else { continue }
            let (sl, sr, st, sb) = (snapEdge(l), snapEdge(r), snapEdge(t), snapEdge(b))
            cairo_rectangle(cr, min(sl, sr), min(st, sb), abs(sr - sl), abs(sb - st))
        }
        cairo_fill(cr)
        guard let errors = m.errors else { return }
        setColor(style.foreground)
        let lw = style.lineWidth * 0.7
        cairo_set_line_width(cr, lw)
        for i in m.x.indices where errors[i].isFinite {
            let x = snap(p.px(m.x[i]), lw)
            let lo = p.py(m.heights[i] - errors[i]), hi = p.py(m.heights[i] + errors[i])
            guard x.isFinite, lo.isFinite, hi.isFinite else { continue }
            let cap = min(0.25 * abs(p.px(m.x[i] + m.width / 2) - p.px(m.x[i] - m.width / 2)), 3 * style.markerSize)
            cairo_move_to(cr, x, lo); cairo_line_to(cr, x, hi)
            cairo_move_to(cr, x - cap / 2, lo); cairo_line_to(cr, x + cap / 2, lo)
            cairo_move_to(cr, x - cap / 2, hi); cairo_line_to(cr, x + cap / 2, hi)
        }
        cairo_stroke(cr)
    }

    func drawBand(_ m: BandMark, color: Color, in p: PanelLayout) {
        setColor(color.withAlpha(color.alpha * m.alpha))
        // Split at non-finite samples so that gaps stay gaps.
        var run: [(Double, Double, Double)] = []
        func flush() {
            guard run.count > 1 else { run = []; return }
            cairo_move_to(cr, run[0].0, run[0].2)
            for s in run.dropFirst() { cairo_line_to(cr, s.0, s.2) }
            for s in run.reversed() { cairo_line_to(cr, s.0, s.1) }
            cairo_close_path(cr)
            run = []
        }
        for i in m.x.indices {
            let x = p.px(m.x[i]), lo = p.py(m.lower[i]), hi = p.py(m.upper[i])
            if x.isFinite && lo.isFinite && hi.isFinite { run.append((x, lo, hi)) } else { flush() }
        }
        flush()
        cairo_fill(cr)
    }

    func drawRule(_ m: RuleMark, color: Color, in p: PanelLayout, style: Style) {
        let width = m.width ?? style.lineWidth * 0.8
        setColor(color)
        cairo_set_line_width(cr, width)
        setDash(m.dash, width: width)
        if m.orientation == .horizontal {
            let y = snap(p.py(m.value), width)
            guard y.isFinite else { return }
            cairo_move_to(cr, p.plot.minX, y); cairo_line_to(cr, p.plot.maxX, y)
        } else {
            let x = snap(p.px(m.value), width)
            guard x.isFinite else { return }
            cairo_move_to(cr, x, p.plot.minY); cairo_line_to(cr, x, p.plot.maxY)
        }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    // MARK: - Guides

    func drawColorbar(_ c: ColorbarLayout, style: Style) {
        let rect = c.rect
        let steps = c.scale.colormap.entries.count
        let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, Int32(steps))!
        let stride = Int(cairo_image_surface_get_stride(image))
        cairo_surface_flush(image)
        let data = cairo_image_surface_get_data(image)!
        for i in 0..<steps {
            // Row 0 is the top of the bar: the colormap's last entry.
            let pixel = UnsafeMutableRawPointer(data + i * stride).assumingMemoryBound(to: UInt32.self)
            pixel.pointee = premultipliedARGB(c.scale.colormap.entries[steps - 1 - i])
        }
        cairo_surface_mark_dirty(image)
        var (l, r, t, b) = (rect.minX, rect.maxX, rect.minY, rect.maxY)
        if target == .raster { (l, r, t, b) = (snapEdge(l), snapEdge(r), snapEdge(t), snapEdge(b)) }
        cairo_save(cr)
        cairo_translate(cr, l, t)
        cairo_scale(cr, r - l, (b - t) / Double(steps))
        cairo_set_source_surface(cr, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, 0, 0, 1, Double(steps))
        cairo_fill(cr)
        cairo_restore(cr)
        cairo_surface_destroy(image)
        let lw = style.axisLineWidth
        setColor(style.foreground)
        cairo_set_line_width(cr, lw)
        let sl = snap(l, lw), sr = snap(r, lw), st = snap(t, lw), sb = snap(b, lw)
        cairo_rectangle(cr, sl, st, sr - sl, sb - st)
        cairo_stroke(cr)
        cairo_set_line_width(cr, style.tickWidth)
        for tick in c.ticks {
            let y = snap(c.y(tick.value), style.tickWidth)
            cairo_move_to(cr, sr, y)
            cairo_line_to(cr, sr + style.tickLength, y)
        }
        cairo_stroke(cr)
        for t in c.tickLabels { drawText(t) }
        if let t = c.label { drawText(t) }
    }

    func drawLegend(_ legend: LegendLayout, style: Style) {
        let r = legend.rect, radius = 0.2 * style.legendSize
        cairo_new_sub_path(cr)
        cairo_arc(cr, r.maxX - radius, r.minY + radius, radius, -.pi / 2, 0)
        cairo_arc(cr, r.maxX - radius, r.maxY - radius, radius, 0, .pi / 2)
        cairo_arc(cr, r.minX + radius, r.maxY - radius, radius, .pi / 2, .pi)
        cairo_arc(cr, r.minX + radius, r.minY + radius, radius, .pi, 1.5 * .pi)
        cairo_close_path(cr)
        setColor(style.background.withAlpha(0.8))
        cairo_fill_preserve(cr)
        setColor(Color.gray(0.8))
        cairo_set_line_width(cr, style.axisLineWidth)
        cairo_stroke(cr)
        for entry in legend.entries {
            let s = entry.swatchRect
            switch entry.swatch {
            case let .line(color, width, dash, marker):
                setColor(color)
                cairo_set_line_width(cr, width)
                setDash(dash, width: width)
                cairo_move_to(cr, s.minX, s.midY)
                cairo_line_to(cr, s.maxX, s.midY)
                cairo_stroke(cr)
                cairo_set_dash(cr, nil, 0, 0)
                if marker != .none {
                    markerPath(marker, x: s.midX, y: s.midY, size: style.markerSize)
                    cairo_fill(cr)
                }
            case let .marker(color, size, shape, filled):
                setColor(color)
                // A fresh path: drawing the previous entry's text leaves a current point, from
                // which the arc would otherwise draw a line.
                cairo_new_path(cr)
                markerPath(shape, x: s.midX, y: s.midY, size: size)
                if filled { cairo_fill(cr) } else { cairo_set_line_width(cr, 1.5); cairo_stroke(cr) }
            case let .patch(color):
                setColor(color)
                let h = min(s.height, 0.7 * style.legendSize)
                cairo_rectangle(cr, s.minX, s.midY - h / 2, s.width, h)
                cairo_fill(cr)
            }
            drawText(entry.text)
        }
    }

    // MARK: - Helpers

    func drawText(_ t: PlacedText) {
        setColor(t.color)
        text.drawLocked(t.markup, style: t.style, cairo: cr, x: t.x, y: t.y, anchor: t.anchor, angle: t.angle)
    }

    func setColor(_ c: Color) {
        if c.alpha >= 1 { cairo_set_source_rgb(cr, c.red, c.green, c.blue) }
        else { cairo_set_source_rgba(cr, c.red, c.green, c.blue, c.alpha) }
    }

    func setDash(_ dash: Dash, width: Double) {
        let pattern = dash.pattern.map { $0 * width }
        pattern.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32($0.count), 0) }
    }

    func markerPath(_ shape: MarkerShape, x: Double, y: Double, size: Double) {
        let h = size / 2
        cairo_new_sub_path(cr)
        switch shape {
        case .none: break
        case .circle: cairo_arc(cr, x, y, h, 0, 2 * .pi)
        case .square: cairo_rectangle(cr, x - h * 0.9, y - h * 0.9, 1.8 * h, 1.8 * h)
        case .triangle:
            cairo_move_to(cr, x, y - h * 1.1); cairo_line_to(cr, x + h, y + h * 0.7)
            cairo_line_to(cr, x - h, y + h * 0.7); cairo_close_path(cr)
        case .diamond:
            cairo_move_to(cr, x, y - h * 1.2); cairo_line_to(cr, x + h, y)
            cairo_line_to(cr, x, y + h * 1.2); cairo_line_to(cr, x - h, y); cairo_close_path(cr)
        }
    }

    /// Centres a stroke of `lineWidth` on a pixel boundary or pixel centre so that it is crisp.
    func snap(_ v: Double, _ lineWidth: Double) -> Double {
        guard target == .raster, v.isFinite, lineWidth.isFinite else { return v }
        let device = v * pixelsPerPoint
        let widthPixels = max(1, (lineWidth * pixelsPerPoint).rounded())
        let snapped = Int(widthPixels) % 2 == 1 ? device.rounded(.down) + 0.5 : device.rounded()
        return snapped / pixelsPerPoint
    }

    /// Moves a filled shape's edge to the nearest pixel boundary.
    func snapEdge(_ v: Double) -> Double {
        guard target == .raster, v.isFinite else { return v }
        return (v * pixelsPerPoint).rounded() / pixelsPerPoint
    }

    func premultipliedARGB(_ c: Color) -> UInt32 {
        let a = max(0, min(1, c.alpha))
        func byte(_ v: Double) -> UInt32 { UInt32(max(0, min(255, (v * a * 255).rounded()))) }
        return UInt32((a * 255).rounded()) << 24 | byte(c.red) << 16 | byte(c.green) << 8 | byte(c.blue)
    }
}
