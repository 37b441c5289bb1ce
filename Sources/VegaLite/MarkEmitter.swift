import Plot
import Reproducible

/// Turns one prepared unit's rows into Plot marks, positioned in Vega pixels (y flipped so the
/// panel's y runs up from 0 to the view's height). Defaults are Vega-Lite's: mark colour
/// #4c78a8, point size 30 (area), opacity 0.7 for unaggregated points, bars 5 px wide on a
/// continuous axis and one band on a discrete one, lines 2 px. https://vega.github.io/vega-lite/docs/mark.html
struct MarkEmitter {
    let unit: PreparedUnit
    let enc: PanelEncodings
    let rows: [DataTable.Row]
    // Per-unit facts looked up once, not per row.
    let fixedColor: Color?
    let colorColumn: String?
    let baseColor: Color
    let isAggregate: Bool
    let opacityColumn: String?
    let sizeColumn: String?
    let shapeColumn: String?
    let xInfo: Position
    let yInfo: Position
    /// The x, y, x2 and y2 definitions, looked up once rather than per row.
    let positionDefs: (x: ChannelDef?, y: ChannelDef?, x2: ChannelDef?, y2: ChannelDef?)
    // Per-row defaults, looked up once (each was a dictionary lookup per row).
    let constantOpacity: Double?
    let defaultOpacity: Double
    let constantSize: Double?
    let fixedShape: MarkerShape

    /// What `centre` needs of a positional channel, copied out of its definition once.
    struct Position {
        var constant: Double?
        var column: String?
        var column2: String?
        var binned = false
        var stacked = false
    }

    static func position(_ channel: String, _ unit: PreparedUnit, full: Double) -> Position {
        var p = Position()
        if let c = unit.channels[channel]?.value {
            p.constant = c.number ?? (c.string == "width" || c.string == "height" ? full : nil)
        }
        guard let def = unit.channels[channel], def.hasField || def.datum != nil else { return p }
        p.column = def.column
        p.column2 = def.isBinned ? def.column2 : nil
        p.binned = def.isBinned
        p.stacked = unit.stack?.channel == channel
        return p
    }

    init(unit: PreparedUnit, enc: PanelEncodings, rows: [DataTable.Row]) {
        self.unit = unit
        self.enc = enc
        self.rows = rows
        var fixed: Color? = nil
        for name in ["color", "fill", "stroke"] {
            if let v = unit.channels[name]?.value?.string, let c = try? CSSColor.parse(v, path: unit.mark.path) { fixed = c; break }
        }
        fixedColor = fixed
        colorColumn = enc.color == nil ? nil : ["color", "fill", "stroke"].compactMap { unit.channels[$0] }.first { $0.hasField }?.column
        let named = unit.mark.color ?? unit.mark.fill ?? unit.mark.stroke
        // Vega-Lite's rules are black by default (its config.rule), every other mark the mark colour.
        baseColor = named.flatMap { try? CSSColor.parse($0, path: unit.mark.path) } ?? (unit.mark.kind == .rule ? .black : enc.config.markColor)
        isAggregate = PreparedUnit.channelOrder.contains { unit.channels[$0]?.aggregate != nil }
        func column(_ name: String) -> String? { unit.channels[name].flatMap { $0.hasField ? $0.column : nil } }
        opacityColumn = enc.opacity == nil ? nil : column("opacity")
        sizeColumn = enc.size == nil ? nil : column("size")
        shapeColumn = enc.shape == nil ? nil : column("shape")
        positionDefs = (unit.channels["x"], unit.channels["y"], unit.channels["x2"], unit.channels["y2"])
        xInfo = Self.position("x", unit, full: enc.width)
        yInfo = Self.position("y", unit, full: enc.height)
        constantOpacity = unit.channels["opacity"]?.value?.number
        let kind = unit.mark.kind
        defaultOpacity = unit.mark.opacity ?? ([.point, .circle, .square, .tick].contains(kind) && !isAggregate ? 0.7
            : kind == .area ? (unit.channels["color"] != nil && unit.stack == nil ? 0.7 : 1) : 1)
        constantSize = unit.channels["size"]?.value?.number
        if let name = unit.channels["shape"]?.value?.string ?? unit.mark.shape, let i = PropertyEncoding.shapeNames.firstIndex(of: name) {
            fixedShape = PropertyEncoding.shapes[i]
        } else {
            fixedShape = kind == .square ? .square : .circle
        }
    }

    var mark: MarkDef { unit.mark }
    var x: PositionScale? { enc.positions.x }
    var y: PositionScale? { enc.positions.y }

    func emit() throws(VegaLiteError) -> [Mark] {
        switch mark.kind {
        case .point, .circle, .square: return symbols()
        case .bar, .rect: return try rects()
        case .tick: return ticks()
        case .line: return lines(area: false)
        case .area: return try area()
        case .rule: return rules()
        case .text: return texts()
        }
    }

    // MARK: Per-row properties

    func constant(_ channel: String) -> JSON? { unit.channels[channel]?.value }

    func color(_ row: DataTable.Row) -> Color {
        if let fixedColor { return fixedColor }
        if let colorColumn, let enc = enc.color { return enc.color(row[colorColumn]) ?? Color.gray(0.6) }
        return baseColor
    }

    func opacity(_ row: DataTable.Row) -> Double {
        if let c = constantOpacity { return c }
        if let o = enc.opacity, let c = opacityColumn, let v = o.value(row[c]) { return v }
        return defaultOpacity
    }

    /// Symbol area in square pixels.
    func sizeArea(_ row: DataTable.Row) -> Double {
        if let c = constantSize { return c }
        if let s = enc.size, let c = sizeColumn, let v = s.value(row[c]) { return v }
        return mark.size ?? 30
    }

    func shape(_ row: DataTable.Row) -> MarkerShape {
        if let s = enc.shape, let c = shapeColumn, let i = s.index(row[c]) {
            return PropertyEncoding.shapes[i % PropertyEncoding.shapes.count]
        }
        return fixedShape
    }

    /// The diameter Plot draws for a Vega symbol of this `size`: Vega draws every shape
    /// sqrt(size) wide (vega-scenegraph's symbols: a circle's radius is sqrt(size)/2).
    static func diameter(area: Double, shape: MarkerShape) -> Double {
        let a = max(0, area)
        switch shape {
        case .square: return a.squareRoot() / 0.9   // Plot's square is 0.9 of its size on a side
        default: return a.squareRoot()
        }
    }

    // MARK: Positions (Vega pixels)

    /// Centre of a row on x or y: band centre, point, or continuous position; a constant
    /// `value` is a pixel; an absent channel is the view's middle.
    func centre(_ channel: String, _ row: DataTable.Row) -> Double? {
        let isX = channel == "x"
        let scale = isX ? x : y
        let info = isX ? xInfo : yInfo
        if let c = info.constant { return c }
        guard let column = info.column else { return (isX ? enc.width : enc.height) / 2 }
        if info.stacked {
            guard let a = row["@stack0"]?.number, let b = row["@stack1"]?.number, let scale else { return nil }
            return scale.map((a + b) / 2)
        }
        guard let scale, let v = row[column], let p = scale.position(v) else { return nil }
        if scale.isDiscrete { return p + scale.bandwidth / 2 }
        if info.binned, let c2 = info.column2, let e = row[c2]?.number { return (p + scale.map(e)) / 2 }
        return p
    }

    /// The [start, end] extent of a row on a channel for bars and rects.
    func span(_ channel: String, _ row: DataTable.Row, thickness: Double) -> (Double, Double)? {
        let scale = channel == "x" ? x : y
        let full = channel == "x" ? enc.width : enc.height
        guard let def = channel == "x" ? positionDefs.x : positionDefs.y, def.hasField || def.datum != nil || def.value != nil else { return (0, full) }
        if def.value != nil, let c = centre(channel, row) { return (c - thickness / 2, c + thickness / 2) }
        guard let scale else { return nil }
        if let st = unit.stack, st.channel == channel {
            guard let a = row["@stack0"]?.number, let b = row["@stack1"]?.number else { return nil }
            return (scale.map(a), scale.map(b))
        }
        guard let v = row[def.column], let p = scale.position(v) else { return nil }
        if scale.isDiscrete {
            if let size = explicitThickness(channel) { let c = p + scale.bandwidth / 2; return (c - size / 2, c + size / 2) }
            return (p, p + scale.bandwidth)
        }
        if let second = channel == "x" ? positionDefs.x2 : positionDefs.y2, let v2 = row[second.column], let p2 = scale.position(v2) { return (p, p2) }
        if let c2 = def.column2, let e = row[c2], let p2 = scale.position(e) {
            if mark.kind == .rect && def.isBinned { return (p + 0.5, p2 + 0.5) }   // as vl-convert draws binned rects
            // Vega-Lite leaves binSpacing (1 px) between binned bars, at the bin's lower pixel edge.
            let spacing = def.isBinned ? (mark.binSpacing ?? 1) : 0
            let lo = min(p, p2), hi = max(p, p2)
            return (min(lo + spacing, hi), hi)
        }
        let other = channel == "x" ? "y" : "x"
        let measure = unit.orientation == (channel == "y" ? .vertical : .horizontal) && unit.channels[other] != nil || unit.channels[other]?.hasField != true
        if mark.kind == .bar && measure && def.type == .quantitative {
            let base = scale.kind == .log ? scale.range.0 : scale.map(0)
            return (base, p)
        }
        let size = explicitThickness(channel) ?? (mark.kind == .rect ? 5 : 5)
        return (p - size / 2, p + size / 2)
    }

    func explicitThickness(_ channel: String) -> Double? {
        if let s = constantSize { return s }
        let node = channel == "x" ? mark.width : mark.height
        if let n = node?.number { return n }
        if let band = node?["band"]?.number, let scale = channel == "x" ? x : y, scale.isDiscrete { return band * scale.bandwidth }
        return mark.size
    }

    // MARK: Marks

    func symbols() -> [Mark] {
        var xs: [Double] = [], ys: [Double] = [], ds: [Double] = [], cs: [Color] = [], shapes: [MarkerShape] = []
        xs.reserveCapacity(rows.count); ys.reserveCapacity(rows.count); ds.reserveCapacity(rows.count)
        cs.reserveCapacity(rows.count); shapes.reserveCapacity(rows.count)
        for row in rows {
            guard let cx = centre("x", row), let cy = centre("y", row) else { continue }
            let shape = self.shape(row)
            xs.append(cx); ys.append(enc.plotY(cy))
            ds.append(Self.diameter(area: sizeArea(row), shape: shape))
            cs.append(color(row).withAlpha(opacity(row)))
            shapes.append(shape)
        }
        return [.symbols(SymbolsMark(x: xs, y: ys, diameters: ds, colors: cs, shapes: shapes, filled: unit.symbolsFilled,
                                     strokeWidth: mark.strokeWidth ?? 2))]
    }

    func rects() throws(VegaLiteError) -> [Mark] {
        var x0: [Double] = [], x1: [Double] = [], y0: [Double] = [], y1: [Double] = [], fills: [Color] = []
        x0.reserveCapacity(rows.count); x1.reserveCapacity(rows.count); y0.reserveCapacity(rows.count)
        y1.reserveCapacity(rows.count); fills.reserveCapacity(rows.count)
        for row in rows {
            guard let (a, b) = span("x", row, thickness: 5), let (c, d) = span("y", row, thickness: 5) else { continue }
            x0.append(min(a, b)); x1.append(max(a, b))
            y0.append(enc.plotY(max(c, d))); y1.append(enc.plotY(min(c, d)))
            fills.append(color(row).withAlpha(opacity(row)))
        }
        return [.rects(RectsMark(x0: x0, x1: x1, y0: y0, y1: y1, fills: fills))]
    }

    /// Ticks: a thin line across the band of the discrete axis (or 3/4 of a 20 px step).
    func ticks() -> [Mark] {
        var x0: [Double] = [], x1: [Double] = [], y0: [Double] = [], y1: [Double] = [], fills: [Color] = []
        let vertical = !(y?.isDiscrete == false && (x?.isDiscrete ?? true) && unit.channels["y"]?.type == .quantitative)
        let thickness = mark.thickness ?? 1
        for row in rows {
            guard let cx = centre("x", row), let cy = centre("y", row) else { continue }
            let across = vertical ? y : x
            // Vega-Lite's default tick size: 3/4 of the step across; with no scale across, of the
            // view's size there (the discrete step, 20, unless the spec sets width or height).
            let length = mark.size ?? (across?.isDiscrete == true ? (across?.bandwidth ?? 15) : across == nil ? 0.75 * (vertical ? enc.height : enc.width) : 15)
            if vertical {
                x0.append(cx - thickness / 2); x1.append(cx + thickness / 2)
                y0.append(enc.plotY(cy + length / 2)); y1.append(enc.plotY(cy - length / 2))
            } else {
                x0.append(cx - length / 2); x1.append(cx + length / 2)
                y0.append(enc.plotY(cy + thickness / 2)); y1.append(enc.plotY(cy - thickness / 2))
            }
            fills.append(color(row).withAlpha(opacity(row)))
        }
        return [.rects(RectsMark(x0: x0, x1: x1, y0: y0, y1: y1, fills: fills))]
    }

    /// Rows split into series by the non-positional fields (colour, detail, dash…), in
    /// first-seen order, each sorted along the dimension.
    func series() -> [[DataTable.Row]] {
        let keys = ["color", "fill", "stroke", "detail", "strokeDash", "opacity", "size", "shape"].compactMap { unit.channels[$0] }.filter(\.hasField)
        var index: [[DataValue]: Int] = [:]
        var groups: [[DataTable.Row]] = []
        for row in rows {
            let key = keys.map { row[$0.column] ?? .null }
            if let g = index[key] { groups[g].append(row) } else { index[key] = groups.count; groups.append([row]) }
        }
        let along = unit.orientation == .horizontal ? "y" : "x"
        let orderDef = unit.channels["order"]
        return groups.map { group in
            group.enumerated().sorted { a, b in
                let ka: Double?, kb: Double?
                if let o = orderDef, o.hasField {
                    ka = a.element[o.column]?.number; kb = b.element[o.column]?.number
                } else {
                    ka = centre(along, a.element); kb = centre(along, b.element)
                }
                if let ka, let kb, ka != kb { return ka < kb }
                return a.offset < b.offset
            }.map(\.element)
        }
    }

    func dash(_ row: DataTable.Row) -> Dash {
        if let d = enc.dash, let def = unit.channels["strokeDash"], def.hasField, let i = d.index(row[def.column]) {
            return PropertyEncoding.dashes[i % PropertyEncoding.dashes.count]
        }
        if let pattern = mark.strokeDash, !pattern.isEmpty, pattern != [1, 0] { return .dashed }
        return .solid
    }

    func lines(area: Bool) -> [Mark] {
        var marks: [Mark] = []
        for group in series() {
            var xs: [Double] = [], ys: [Double] = []
            for row in group {
                guard let cx = centre("x", row), let cy = centre("y", row) else { continue }
                xs.append(cx); ys.append(enc.plotY(cy))
            }
            guard let first = group.first else { continue }
            let c = color(first).withAlpha(opacity(first))
            let width = mark.strokeWidth ?? sizeColumn.flatMap { enc.size?.value(first[$0]) } ?? 2
            marks.append(.line(x: xs, y: ys, color: c, width: width, dash: dash(first)))
            if mark.point {
                let d = Self.diameter(area: 30, shape: .circle)
                marks.append(.symbols(SymbolsMark(x: xs, y: ys, diameters: xs.map { _ in d }, colors: xs.map { _ in c }, shapes: xs.map { _ in .circle })))
            }
        }
        return marks
    }

    func area() throws(VegaLiteError) -> [Mark] {
        if unit.orientation == .horizontal {
            throw .unsupported(path: mark.path, "horizontal areas (a discrete or temporal y) are not supported")
        }
        var marks: [Mark] = []
        for group in series() {
            var xs: [Double] = [], lo: [Double] = [], hi: [Double] = []
            for row in group {
                guard let cx = centre("x", row), let (a, b) = areaSpan(row) else { continue }
                xs.append(cx); lo.append(enc.plotY(a)); hi.append(enc.plotY(b))
            }
            guard let first = group.first else { continue }
            marks.append(.band(x: xs, lower: lo, upper: hi, color: color(first), alpha: opacity(first)))
        }
        return marks
    }

    func areaSpan(_ row: DataTable.Row) -> (Double, Double)? {
        guard let y else { return nil }
        if let st = unit.stack, st.channel == "y" {
            guard let a = row["@stack0"]?.number, let b = row["@stack1"]?.number else { return nil }
            return (y.map(a), y.map(b))
        }
        guard let def = unit.channels["y"], let v = row[def.column], let p = y.position(v) else { return nil }
        if let second = unit.channels["y2"], let v2 = row[second.column], let p2 = y.position(v2) { return (p2, p) }
        return (y.kind == .log ? y.range.0 : y.map(0), p)
    }

    func rules() -> [Mark] {
        var byColor: [(Color, Dash, [Double], [Double])] = []
        func add(_ c: Color, _ d: Dash, _ xs: [Double], _ ys: [Double]) {
            if let i = byColor.firstIndex(where: { $0.0 == c && $0.1 == d }) {
                byColor[i].2 += [Double.nan] + xs; byColor[i].3 += [Double.nan] + ys
            } else { byColor.append((c, d, xs, ys)) }
        }
        let hasX = unit.channels["x"] != nil, hasY = unit.channels["y"] != nil
        for row in rows {
            let c = color(row).withAlpha(opacity(row)), d = dash(row)
            if hasX && !hasY || (unit.channels["y2"] != nil && unit.channels["x2"] == nil && hasX) {
                guard let cx = centre("x", row) else { continue }
                var (a, b) = (0.0, enc.height)
                if hasY, let s = span("y", row, thickness: 0) { (a, b) = s }
                add(c, d, [cx, cx], [enc.plotY(a), enc.plotY(b)])
            } else if hasY {
                guard let cy = centre("y", row) else { continue }
                var (a, b) = (0.0, enc.width)
                if hasX, let s = span("x", row, thickness: 0) { (a, b) = s }
                add(c, d, [a, b], [enc.plotY(cy), enc.plotY(cy)])
            }
        }
        return byColor.map { .line(x: $0.2, y: $0.3, color: $0.0, width: mark.strokeWidth ?? 1, dash: $0.1) }
    }

    func texts() -> [Mark] {
        var marks: [Mark] = []
        let textDef = unit.channels["text"]
        let format = textDef?.format.flatMap { D3Format($0) }
        for row in rows {
            guard let cx = centre("x", row), let cy = centre("y", row) else { continue }
            var text = constant("text").map { $0.string ?? $0.number.map(NumberText.js) ?? "" } ?? mark.text ?? ""
            if let def = textDef, def.hasField, let v = row[def.column] {
                if let format, let n = v.number, def.type == .quantitative { text = format.format(n) }
                else if case .date(let d) = v { text = TimeTicks.format(d, def.format ?? def.timeUnit?.format ?? "%b %d, %Y") }
                else { text = v.isNull ? "" : v.text }
            }
            let anchor: Anchor = mark.align == "left" ? .left : mark.align == "right" ? .right : .center
            let c = (constant("color")?.string).flatMap { try? CSSColor.parse($0, path: mark.path) }
                ?? (enc.color != nil && unit.colorChannel != nil ? color(row) : (mark.color != nil ? baseColor : .black))
            let size = constantSize ?? sizeColumn.flatMap { enc.size?.value(row[$0]) } ?? mark.fontSize ?? 11
            marks.append(.text(Markup.escape(text), x: cx + mark.dx, y: enc.plotY(cy + mark.dy), anchor: anchor, color: c.withAlpha(opacity(row)), size: size))
        }
        return marks
    }
}
