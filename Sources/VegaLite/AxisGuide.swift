import Plot

/// An axis as Vega-Lite draws it by default: d3's ticks (count ceil(length/40), ceil(length/10)
/// for bins), labels in d3's default tick format (",.Nf" at the tick step's precision), band
/// centres for discrete scales, and a title from the encodings.
/// https://vega.github.io/vega-lite/docs/axis.html
struct AxisGuide {
    var ticks: [Tick] = []
    var title: String?
    var grid = false
    var hidden = true
    /// `labelAngle` as Plot's angle (radians; only level, −45° and −90° are drawn).
    var labelAngle: Double?
    /// `orient` top (x) or right (y): the axis is drawn on the far side of the plot.
    var opposite = false

    static let keys: Set<String> = ["title", "format", "labelAngle", "orient", "grid", "tickCount", "values", "labels",
                                    "ticks", "domain", "labelOverlap", "labelFlush", "labelPadding", "titlePadding",
                                    "labelLimit", "labelAlign", "labelBaseline", "titleAlign", "titleAnchor", "zindex",
                                    "offset", "minExtent", "maxExtent", "tickSize", "labelSeparation", "tickMinStep",
                                    "formatType", "labelFontSize", "titleFontSize", "labelColor", "titleColor",
                                    "tickColor", "domainColor", "gridColor", "gridOpacity", "gridDash", "labelBound", "tickBand"]

    /// How an axis is inked (colours, paddings, overlap rules): drawn in Rederive's style.
    static let inkKeys: Set<String> = ["titleColor", "tickColor", "domainColor", "gridColor", "gridOpacity", "gridDash", "labelBound",
                                       "tickBand", "labelOverlap", "labelFlush", "labelPadding", "titlePadding", "labelLimit",
                                       "tickSize", "labelSeparation"]

    /// `toPlot` maps a Vega pixel along the axis to the panel's data coordinate.
    /// `configGrid` is the spec's `config.axis.grid`.
    static func make(_ scale: PositionScale, defs: [ChannelDef], length: Double, channel: String, stackedNormalize: Bool = false,
                     configGrid: Bool? = nil, toPlot: (Double) -> Double) throws(VegaLiteError) -> AxisGuide {
        var g = AxisGuide()
        let first = defs.first(where: { $0.hasField }) ?? defs[0]
        if defs.allSatisfy(\.axisDisabled) { return g }
        g.hidden = false
        let axis = defs.compactMap(\.axis).first
        if let axis { try g.apply(axis, channel: channel) }
        g.title = title(defs, axis: axis)
        g.grid = axis?["grid"]?.value.bool ?? configGrid ?? !scale.isDiscrete
        if axis?["labels"]?.value.bool == false { g.ticks = []; return g }
        // Normalised stacks read as percentages (Vega-Lite's default format for them).
        let format = axis?["format"]?.value.string ?? first.format ?? (stackedNormalize ? ".0%" : nil)
        if scale.isDiscrete {
            let half = scale.bandwidth / 2
            for c in scale.categories {
                guard let p = scale.map(category: c) else { continue }
                g.ticks.append(Tick(toPlot(p + half), Markup.escape(label(c, def: first, format: format))))
            }
            return g
        }
        let binStep = defs.first(where: { $0.isBinned }).flatMap { _ in binStepOf(scale, defs) }
        var count = axis?["tickCount"]?.value.number ?? (binStep != nil ? (length / 10).rounded(.up) : (length / 40).rounded(.up))
        // The label precision follows the requested count; the bin step only thins the ticks
        // (Vega's tickMinStep).
        let formatCount = count
        if let step = binStep, step > 0 { count = min(count, max(1, ((scale.domain.1 - scale.domain.0) / step).rounded(.down))) }
        var values: [Double]
        if let explicit = axis?["values"]?.value.array {
            values = explicit.compactMap { scale.kind == .time ? DateParser.value(DataValue($0)) : $0.number }
        } else if scale.kind == .time {
            if let unit = first.timeUnit, ["month", "quarter"].contains(unit.parts.last ?? "") {
                count = axis?["tickCount"]?.value.number ?? 10
            }
            values = TimeTicks.ticks(scale.domain.0, scale.domain.1, count: count)
        } else if scale.kind == .log {
            count = axis?["tickCount"]?.value.number ?? 10   // Vega-Lite leaves log axes at Vega's default count
            values = logTicks(scale.domain.0, scale.domain.1, count: count)
        } else {
            values = D3Ticks.ticks(scale.domain.0, scale.domain.1, count: count)
        }
        let step = D3Ticks.step(scale.domain.0, scale.domain.1, count: formatCount)
        let logKeep = max(1, 10 * count / Double(max(1, values.count)))
        let d3 = scale.kind == .time ? D3Format(",")! : try numberFormat(format, step: step, magnitude: max(abs(scale.domain.0), abs(scale.domain.1)),
                                                                                  path: axis?.displayPath ?? first.path)
        for v in values {
            let text: String
            if scale.kind == .time {
                if let format { text = TimeTicks.format(v, format) }
                else if let unit = first.timeUnit { text = TimeTicks.format(v, unit.format) }
                else { text = TimeTicks.multiFormat(v) }
            } else if scale.kind == .log && format == nil {
                // d3's log tick format labels only ticks whose mantissa is small enough.
                let mantissa = v / D3Ticks.pow10(D3Ticks.floorLog10(v))
                text = mantissa <= logKeep + 1e-9 ? logLabel(v) : ""
            } else {
                text = d3.format(v)
            }
            g.ticks.append(Tick(toPlot(scale.map(v)), Markup.escape(text)))
        }
        return g
    }

    /// The axis options that place it: its side (`orient`) and its labels' angle; the
    /// options Plot cannot draw are refused with their path.
    mutating func apply(_ axis: Node, channel: String) throws(VegaLiteError) {
        try axis.allowOnly(AxisGuide.keys, what: "axis")
        if let o = axis["orient"] {
            let sides = channel == "x" ? ["bottom", "top"] : ["left", "right"]
            guard let name = o.value.string, let side = sides.firstIndex(of: name) else {
                throw .unsupported(path: o.displayPath, "axis orient '\(o.value.string ?? "…")' is not supported on \(channel) (supported: \(sides.joined(separator: ", ")))")
            }
            opposite = side == 1
        }
        if axis["labelExpr"] != nil { throw .unsupported(path: axis.displayPath + "/labelExpr", "labelExpr is not supported") }
        if let a = axis["labelAngle"] {
            // Vega turns labels clockwise by labelAngle degrees; Plot draws 0°, −45° and −90°.
            guard let degrees = a.value.number, let angle = [0.0: 0.0, -45: -Double.pi / 4, 315: -Double.pi / 4,
                                                              -90: -Double.pi / 2, 270: -Double.pi / 2][degrees] else {
                throw .unsupported(path: a.displayPath, "labelAngle \(a.value.number.map(NumberText.js) ?? "…") is not supported (supported: 0, -45, -90)")
            }
            if channel == "y" && angle != 0 { throw .unsupported(path: a.displayPath, "rotated y axis labels are not supported") }
            labelAngle = angle
        }
    }

    /// The labels' format over a continuous domain whose largest magnitude is `magnitude`, with
    /// ticks `step` apart. A specifier without a precision gets the one the step needs, as
    /// vega-scale's formatSpan (d3-scale's tickFormat) gives it: "%" on 0…6 reads 600%, not
    /// 600.000000%. ("s" keeps its own per-value precision, and "" d3-format's 12 digits.)
    static func numberFormat(_ format: String?, step: Double, magnitude: Double, path: String) throws(VegaLiteError) -> D3Format {
        if let format {
            guard var f = D3Format(format) else {
                throw .unsupported(path: path + "/format", "format '\(format)' is not a d3-format specifier Rederive reads")
            }
            guard f.precision == nil, step > 0, step.isFinite else { return f }
            switch f.type {
            case "e", "g", "p", "r":
                // d3's precisionRound(step, max): significant digits that tell ticks apart.
                let spread = abs(magnitude) - step
                let round = max(0, (spread > 0 ? Int(logFloor(spread)) : 0) - Int(logFloor(step))) + 1
                f.precision = round - (f.type == "e" ? 1 : 0)
            case "f", "%":
                f.precision = max(0, max(0, -Int(logFloor(step))) - (f.type == "%" ? 2 : 0))
            default: break
            }
            return f
        }
        let exponent = step > 0 ? Int(logFloor(step)) : 0
        return D3Format(",.\(max(0, -exponent))f") ?? D3Format(",")!
    }

    static func logFloor(_ x: Double) -> Double {
        // The decimal exponent of x as d3's formatDecimal sees it (x written to 12 significant digits).
        let (_, e) = DecimalText.significantDigits(x, 12)
        return Double(e)
    }

    /// Vega's log axis labels: the value in d3's "~s"-free plain form with thousands commas.
    static func logLabel(_ v: Double) -> String {
        (D3Format(",~r") ?? D3Format(",")!).format(v)
    }

    /// d3's log ticks: every 1–9 multiple of each power while there are few powers; else powers.
    static func logTicks(_ lo: Double, _ hi: Double, count: Double) -> [Double] {
        let i = D3Ticks.floorLog10(lo), top = D3Ticks.floorLog10(hi), j = D3Ticks.pow10(top) == hi ? top : top + 1
        var out: [Double] = []
        if j - i < count {
            var p = i
            while p <= j {
                for k in 1...9 {
                    let t = Double(k) * D3Ticks.pow10(p)
                    if t >= lo && t <= hi { out.append(t) }
                }
                p += 1
            }
        } else {
            out = D3Ticks.ticks(i, j, count: min(j - i, count)).map { D3Ticks.pow10($0) }.filter { $0 >= lo && $0 <= hi }
        }
        return out
    }

    static func binStepOf(_ scale: PositionScale, _ defs: [ChannelDef]) -> Double? {
        defs.compactMap(\.binStep).first
    }

    /// A discrete value's label: dates by their time unit, numbers by the format if given.
    static func label(_ v: DataValue, def: ChannelDef, format: String?) -> String {
        if case .date(let d) = v {
            return TimeTicks.format(d, format ?? def.timeUnit?.format ?? "%b %d, %Y")
        }
        if let format, let f = D3Format(format), let n = v.number, case .number = v { return f.format(n) }
        return v.text
    }

    /// Distinct titles of the encodings that share the axis, joined with ", " as Vega-Lite does.
    static func title(_ defs: [ChannelDef], axis: Node?) -> String? {
        if let t = axis?["title"] {
            if case .null = t.value { return nil }
            if let s = t.value.string { return s }
        }
        var titles: [String] = []
        for d in defs {
            if d.title == .none { continue }
            if let t = d.resolvedTitle, !titles.contains(t) { titles.append(t) }
        }
        return titles.isEmpty ? nil : titles.joined(separator: ", ")
    }
}
