import Plot
import Reproducible

/// How a non-positional channel turns a value into ink: colour (with Vega-Lite's default
/// schemes), size (symbol area), opacity, shape and dash, each with the legend it implies.
/// https://vega.github.io/vega-lite/docs/legend.html
struct ColorEncoding {
    enum Kind {
        case discrete([DataValue: Color])
        case continuous(ColorScale, (Double, Double))
    }
    var kind: Kind
    var categories: [DataValue] = []
    var colors: [Color] = []
    var def: ChannelDef

    func color(_ v: DataValue?) -> Color? {
        guard let v, !v.isNull else { return nil }
        switch kind {
        case .discrete(let map): return map[v]
        case .continuous(let scale, let domain):
            guard let n = v.number else { return nil }
            let t = (n - domain.0) / (domain.1 - domain.0)
            return scale.colormap.color(at: domain.1 == domain.0 ? 0.5 : min(1, max(0, t)))
        }
    }

    static func resolve(_ units: [PreparedUnit]) throws(VegaLiteError) -> ColorEncoding? {
        let defs = units.compactMap(\.colorChannel)
        guard let def = defs.first else { return nil }
        let scaleNode = def.scale
        try checkScale(scaleNode, allowed: ["linear", "ordinal"], keys: ["type", "scheme", "domain", "range", "reverse", "zero", "nice"])
        let scheme = scaleNode?["scheme"]?.value.string ?? scaleNode?["scheme"]?["name"]?.value.string
        if let scheme, Schemes.palette(scheme) == nil, Schemes.colormap(scheme) == nil {
            throw .unsupported(path: scaleNode?["scheme"]?.displayPath ?? def.path, "colour scheme '\(scheme)' is not supported (supported: \(Schemes.supported))")
        }
        let rangeColors: [Color]? = try scaleNode?["range"].map { (r) throws(VegaLiteError) -> [Color] in
            guard let items = r.value.array else { throw .unsupported(path: r.displayPath, "a colour range must be an array of colours") }
            var out: [Color] = []
            for (i, item) in items.enumerated() { out.append(try CSSColor.parse(item.string ?? "", path: r.path + "/\(i)")) }
            return out
        }
        let name = units.first { $0.colorChannel != nil }.map { u in ["color", "fill", "stroke"].first { u.channels[$0] != nil } ?? "color" } ?? "color"
        if def.type.isDiscrete || (def.isBinned && def.type != .quantitative) {
            let cats = try DiscreteDomain.categories(units, channel: name)
            var palette: [Color]
            if let rangeColors { palette = rangeColors }
            else if let scheme, let p = Schemes.palette(scheme) { palette = p }
            else if def.type == .ordinal || scheme != nil {
                palette = Schemes.quantized(Schemes.colormap(scheme ?? "blues") ?? Colormap.viridis, count: cats.count)
                if scheme == nil { palette = Schemes.quantized(rampForOrdinal(), count: cats.count) }
            } else { palette = Schemes.palette("tableau10") ?? [] }
            var map: [DataValue: Color] = [:]
            var colors: [Color] = []
            for (i, c) in cats.enumerated() {
                let color = palette.isEmpty ? Color.black : palette[i % palette.count]
                map[c] = color
                colors.append(color)
            }
            return ColorEncoding(kind: .discrete(map), categories: cats, colors: colors, def: def)
        }
        var lo = Double.infinity, hi = -Double.infinity
        for unit in units {
            guard let d = unit.colorChannel else { continue }
            for value in unit.table[d.column] ?? [] {
                if let v = value, !v.isNull, let n = v.number, n.isFinite { lo = min(lo, n); hi = max(hi, n) }
            }
            if let c2 = d.column2, d.isBinned {
                for value in unit.table[c2] ?? [] { if let v = value?.number, v.isFinite { hi = max(hi, v) } }
            }
        }
        if let domain = scaleNode?["domain"]?.value.array?.compactMap(\.number), domain.count == 2 { (lo, hi) = (domain[0], domain[1]) }
        if lo > hi { (lo, hi) = (0, 1) }
        if scaleNode?["zero"]?.value.bool == true { lo = min(lo, 0); hi = max(hi, 0) }
        let isRect = units.contains { $0.mark.kind == .rect }
        var map = Schemes.colormap(scheme ?? (isRect ? "yellowgreenblue" : "blues")) ?? Colormap.viridis
        if let rangeColors, rangeColors.count >= 2 {
            map = Colormap(name: "range", entries: (0..<256).map { i in lerp(rangeColors, Double(i) / 255) })
        }
        if scaleNode?["reverse"]?.value.bool == true { map = Colormap(name: map.name, entries: map.entries.reversed()) }
        let scale = ColorScale(map, norm: .linear(min: lo, max: hi))
        return ColorEncoding(kind: .continuous(scale, (lo, hi)), def: def)
    }

    /// Only the scale types and properties Rederive draws; anything else is an error.
    static func checkScale(_ node: Node?, allowed: Set<String>, keys: Set<String>) throws(VegaLiteError) {
        guard let node else { return }
        try node.allowOnly(keys, what: "scale")
        if let t = node["type"], let name = t.value.string, !allowed.contains(name) {
            throw .unsupported(path: t.displayPath, "scale type '\(name)' is not supported here (supported: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    /// Vega's "ordinal" range: the blues scheme.
    static func rampForOrdinal() -> Colormap { Schemes.colormap("blues") ?? Colormap.viridis }

    static func lerp(_ colors: [Color], _ t: Double) -> Color {
        let n = Double(colors.count - 1)
        let i = min(colors.count - 2, Int((t * n).rounded(.down)))
        let f = t * n - Double(i)
        let a = colors[i], b = colors[i + 1]
        return Color(red: a.red + (b.red - a.red) * f, green: a.green + (b.green - a.green) * f, blue: a.blue + (b.blue - a.blue) * f)
    }
}

/// Size, opacity, shape and dash: value → property, with legend entries for discrete ones.
struct PropertyEncoding {
    var def: ChannelDef
    var channel: String
    var categories: [DataValue] = []
    var domain: (Double, Double) = (0, 1)
    var range: (Double, Double) = (0, 1)
    var discrete: Bool
    /// Category positions, built once (looked up by value; never iterated).
    var lookup: [DataValue: Int] = [:]

    static let shapes: [MarkerShape] = [.circle, .square, .triangle, .diamond]
    static let shapeNames = ["circle", "square", "triangle-up", "diamond"]
    static let dashes: [Dash] = [.solid, .dashed, .dotted, .dashDot]

    static func resolve(_ channel: String, _ units: [PreparedUnit], range: (Double, Double)) throws(VegaLiteError) -> PropertyEncoding? {
        let defs = units.compactMap { $0.channels[channel] }.filter { $0.hasField }
        guard let def = defs.first else { return nil }
        try ColorEncoding.checkScale(def.scale, allowed: ["linear", "ordinal", "point"], keys: ["type", "domain", "zero", "range", "nice"])
        if let r = def.scale?["range"] { throw .unsupported(path: r.displayPath, "a custom \(channel) range is not supported") }
        var e = PropertyEncoding(def: def, channel: channel, discrete: def.type.isDiscrete || channel == "shape" || channel == "strokeDash")
        e.range = range
        if e.discrete {
            e.categories = try DiscreteDomain.categories(units, channel: channel)
            for (i, c) in e.categories.enumerated() where e.lookup[c] == nil { e.lookup[c] = i }
            if channel == "shape" && e.categories.count > shapes.count {
                throw .unsupported(path: def.path, "more than \(shapes.count) shapes (\(e.categories.count) categories) are not supported (Rederive draws \(shapeNames.joined(separator: ", ")))")
            }
            return e
        }
        var lo = Double.infinity, hi = -Double.infinity
        for unit in units {
            guard let d = unit.channels[channel] else { continue }
            for value in unit.table[d.column] ?? [] { if let n = value?.number, n.isFinite { lo = min(lo, n); hi = max(hi, n) } }
        }
        if lo > hi { (lo, hi) = (0, 1) }
        if channel == "size" && def.scale?["zero"]?.value.bool != false { lo = min(lo, 0); hi = max(hi, 0) }   // Vega-Lite: size scales include zero
        if let d = def.scale?["domain"]?.value.array?.compactMap(\.number), d.count == 2 { (lo, hi) = (d[0], d[1]) }
        e.domain = (lo, hi)
        return e
    }

    func index(_ v: DataValue?) -> Int? {
        guard let v else { return nil }
        return lookup[v]
    }

    /// The property for a value, on [range.0, range.1].
    func value(_ v: DataValue?) -> Double? {
        if discrete {
            guard let i = index(v) else { return nil }
            let n = Double(max(1, categories.count - 1))
            return range.0 + (range.1 - range.0) * Double(i) / n
        }
        guard let n = v?.number, n.isFinite else { return nil }
        let t = domain.1 == domain.0 ? 1 : (n - domain.0) / (domain.1 - domain.0)
        return range.0 + (range.1 - range.0) * t
    }

    /// Legend values for a continuous property: d3 ticks of the domain, about five.
    var legendValues: [DataValue] {
        if discrete { return categories }
        return D3Ticks.ticks(domain.0, domain.1, count: 5).map(DataValue.number)
    }
}
