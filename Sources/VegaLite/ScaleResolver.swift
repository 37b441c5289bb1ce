import Reproducible

/// The x and y scales a panel's layers share (Vega-Lite's default `resolve: shared`), with the
/// view's size. https://vega.github.io/vega-lite/docs/scale.html,
/// https://vega.github.io/vega-lite/docs/size.html
struct PositionScales {
    var width: Double
    var height: Double
    var x: PositionScale?
    var y: PositionScale?
    /// The channel defs that drew each axis (for titles, formats and axis options).
    var xDefs: [ChannelDef] = []
    var yDefs: [ChannelDef] = []

    static let defaultContinuous = 300.0, defaultStep = 20.0

    /// `units` are the layers of one panel (over every facet cell); `size` the spec's width
    /// and height if given.
    static func resolve(_ units: [PreparedUnit], width: JSON?, height: JSON?, config: VegaConfig) throws(VegaLiteError) -> PositionScales {
        var s = PositionScales(width: 0, height: 0)
        (s.x, s.width, s.xDefs) = try axisScale("x", units, size: width, config: config)
        (s.y, s.height, s.yDefs) = try axisScale("y", units, size: height, config: config)
        // x2 and y2 fields share their axis, and its title ("x1, x2").
        s.xDefs += units.compactMap { $0.channels["x2"] }.filter(\.hasField)
        s.yDefs += units.compactMap { $0.channels["y2"] }.filter(\.hasField)
        return s
    }

    static func axisScale(_ channel: String, _ units: [PreparedUnit], size: JSON?, config: VegaConfig) throws(VegaLiteError)
        -> (PositionScale?, Double, [ChannelDef]) {
        let defs = units.compactMap { $0.channels[channel] }.filter { $0.hasField || $0.datum != nil }
        let continuousLength = size?.number ?? (channel == "x" ? config.continuousWidth : config.continuousHeight)
        // No field on this channel: Vega-Lite sizes the view like a discrete one, one step.
        guard let first = defs.first else { return (nil, size?.number ?? size?["step"]?.number ?? defaultStep, []) }
        let scaleNode = first.scale
        if let scaleNode {
            try scaleNode.allowOnly(["type", "domain", "zero", "nice", "reverse", "scheme", "padding", "paddingInner",
                                     "paddingOuter", "exponent", "range", "domainMid", "clamp", "round", "base", "constant"], what: "scale")
            if scaleNode["range"] != nil && channel != "color" {
                throw .unsupported(path: scaleNode.displayPath + "/range", "a custom x/y scale range is not supported")
            }
        }
        let reverse = scaleNode?["reverse"]?.value.bool ?? false
        let requested = scaleNode?["type"]?.value.string
        let marks = units.map(\.mark.kind)
        let discrete = requested == "band" || requested == "point" || (requested == nil && first.type.isDiscrete)
        if discrete {
            var categories: [DataValue]
            if let explicit = try explicitDomain(scaleNode) { categories = explicit } else { categories = try DiscreteDomain.categories(units, channel: channel) }
            let useBand = requested == "band" || (requested == nil && marks.contains { $0 == .bar || $0 == .rect || $0 == .tick })
            var inner = 0.0, outer = 0.5
            if useBand {
                inner = marks.contains(.rect) ? 0 : marks.contains(.tick) ? 0.25 : 0.1
                inner = scaleNode?["paddingInner"]?.value.number ?? scaleNode?["padding"]?.value.number ?? inner
                outer = scaleNode?["paddingOuter"]?.value.number ?? inner / 2
            } else {
                outer = scaleNode?["padding"]?.value.number ?? 0.5
            }
            let n = Double(categories.count)
            var length: Double
            if let step = size?["step"]?.number ?? (size?.number == nil ? defaultStep : nil) {
                length = step * (useBand ? max(1, n - inner + 2 * outer) : max(1, n - 1 + 2 * outer))
            } else { length = size?.number ?? defaultStep }
            let range = channel == "x" ? (reverse ? (length, 0.0) : (0.0, length)) : (reverse ? (length, 0.0) : (0.0, length))
            let scale = PositionScale(kind: useBand ? .band : .point, categories: categories, range: range,
                                      paddingInner: inner, paddingOuter: outer)
            return (scale, length, defs)
        }
        let kind = try continuousKind(requested, first, path: scaleNode?["type"]?.displayPath ?? first.path)
        var domain = try continuousDomain(channel, units, defs: defs, kind: kind, scaleNode: scaleNode)
        if kind == .log && (domain.0 <= 0 || domain.1 <= 0) {
            throw .data(.badValue, path: first.path, "a log scale needs positive values; the data reach \(NumberText.js(min(domain.0, domain.1)))")
        }
        if domain.0 == domain.1 {   // Vega widens a single-value domain
            domain = kind == .time ? (domain.0 - 1, domain.1 + 1) : (domain.0 - 1, domain.1 + 1)
            if kind == .log { domain = (domain.0 + 1) > 0 ? ((domain.0 + 1) / 10, (domain.1 - 1) * 10) : domain }
        }
        let length = continuousLength
        var range = channel == "x" ? (0.0, length) : (length, 0.0)
        if reverse { range = (range.1, range.0) }
        var scale = PositionScale(kind: kind, domain: domain, range: range)
        scale.exponent = scaleNode?["exponent"]?.value.number ?? 1
        return (scale, length, defs)
    }

    static func continuousKind(_ requested: String?, _ def: ChannelDef, path: String) throws(VegaLiteError) -> PositionScale.Kind {
        switch requested {
        case nil: return def.type == .temporal ? .time : .linear
        case "linear": return .linear
        case "log": return .log
        case "sqrt": return .sqrt
        case "symlog": return .symlog
        case "pow": return .pow
        case "time", "utc": return .time
        default:
            throw .unsupported(path: path, "scale type '\(requested ?? "")' is not supported (supported: linear, log, sqrt, symlog, pow, time, band, point)")
        }
    }

    static func explicitDomain(_ node: Node?) throws(VegaLiteError) -> [DataValue]? {
        guard let d = node?["domain"] else { return nil }
        guard let items = d.value.array else {
            if d.value.string == "unaggregated" { return nil }
            throw .unsupported(path: d.displayPath, "a scale domain must be an array")
        }
        return items.map(DataValue.init)
    }

    /// The data extent over every column that feeds the channel, then Vega-Lite's zero rule and
    /// d3's nice. https://vega.github.io/vega-lite/docs/scale.html#zero
    static func continuousDomain(_ channel: String, _ units: [PreparedUnit], defs: [ChannelDef], kind: PositionScale.Kind,
                                 scaleNode: Node?) throws(VegaLiteError) -> (Double, Double) {
        let first = defs[0]
        if let explicit = try explicitDomain(scaleNode) {
            let numbers = explicit.compactMap { kind == .time ? DateParser.value($0) : $0.number }
            guard numbers.count == 2 else { throw .spec(path: (scaleNode?["domain"]?.displayPath) ?? first.path, "a continuous domain needs two numbers") }
            var d = (numbers[0], numbers[1])
            if let nice = scaleNode?["nice"]?.value.bool, nice, kind == .linear { d = D3Ticks.nice(d) }
            return d
        }
        var lo = Double.infinity, hi = -Double.infinity
        func add(_ v: DataValue?) {
            guard let v, !v.isNull, let n = kind == .time ? DateParser.value(v) : v.number, n.isFinite else { return }
            if kind == .log && n <= 0 { return }
            lo = min(lo, n); hi = max(hi, n)
        }
        var binned = false, barLike = false, hasRange = false
        for unit in units {
            if let st = unit.stack, st.channel == channel {
                for column in ["@stack0", "@stack1"] { for v in unit.table[column] ?? [] { add(v) } }
                barLike = barLike || unit.mark.kind == .bar || unit.mark.kind == .area
                continue
            }
            guard let def = unit.channels[channel] else { continue }
            binned = binned || def.isBinned
            let second = unit.channels[channel + "2"]
            hasRange = hasRange || second != nil
            // Only the extent counts, so each column is read on its own.
            var columns = [def.column]
            if let c2 = def.column2, def.isBinned || unit.mark.kind == .bar || unit.mark.kind == .rect { columns.append(c2) }
            if let s = second { columns.append(s.column) }
            for column in columns { for v in unit.table[column] ?? [] { add(v) } }
            if unit.mark.kind == .bar || unit.mark.kind == .area { barLike = true }
        }
        if lo > hi { lo = 0; hi = 0 }
        if binned {
            // Vega-Lite's binned domain is the bins' extent, [start, stop].
            let extents = defs.compactMap(\.binExtent)
            if !extents.isEmpty { return (extents.map(\.0).min() ?? lo, extents.map(\.1).max() ?? hi) }
            return (lo, hi)
        }
        let zeroSetting = scaleNode?["zero"]?.value.bool
        let dimension = units.contains { isDimension(channel, $0) }
        var zero = zeroSetting ?? (first.type == .quantitative && !dimension)
        if kind == .log || kind == .time { zero = false }
        _ = barLike; _ = hasRange
        if zero { lo = min(lo, 0); hi = max(hi, 0) }
        let niceNode = scaleNode?["nice"]
        let nice = niceNode?.value.bool ?? (kind != .time)
        if nice || niceNode?.value.number != nil {
            let count = niceNode?.value.number ?? 10
            switch kind {
            case .log:
                lo = D3Ticks.pow10(D3Ticks.floorLog10(lo))
                let e = D3Ticks.floorLog10(hi)
                hi = D3Ticks.pow10(D3Ticks.pow10(e) == hi ? e : e + 1)
            case .time: break
            default: (lo, hi) = D3Ticks.nice((lo, hi), count: count)
            }
        }
        return (lo, hi)
    }

    /// Whether `channel` is the dimension (not the measure) of a bar, area or line, where
    /// Vega-Lite turns `zero` off. https://vega.github.io/vega-lite/docs/scale.html#zero
    static func isDimension(_ channel: String, _ unit: PreparedUnit) -> Bool {
        guard [.bar, .area, .line].contains(unit.mark.kind) else { return false }
        return unit.orientation == (channel == "x" ? .vertical : .horizontal)
    }
}

extension PreparedUnit {
    enum Orientation { case vertical, horizontal }

    /// Vega-Lite's orient rule: bars stand on a discrete, binned or temporal x; they lie along
    /// such a y. https://vega.github.io/vega-lite/docs/bar.html#orient
    var orientation: Orientation {
        if let o = mark.orient { return o == "horizontal" ? .horizontal : .vertical }
        func dimensionLike(_ c: String) -> Bool {
            guard let d = channels[c], d.hasField else { return false }
            return d.type != .quantitative || d.isBinned
        }
        let x = dimensionLike("x"), y = dimensionLike("y")
        if y && !x { return .horizontal }
        if x && !y { return .vertical }
        if channels["x"]?.aggregate != nil && channels["y"]?.aggregate == nil && channels["y"] != nil { return .horizontal }
        if channels["y"] == nil && channels["x"] != nil && (mark.kind == .bar) { return .horizontal }
        return .vertical
    }
}
