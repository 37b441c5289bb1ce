import Plot

/// The parts of a spec's top-level `config` that Rederive honours: view size, mark colour,
/// font sizes, background and text colours. These win over Rederive's style; everything the
/// config leaves out keeps the style's value. https://vega.github.io/vega-lite/docs/config.html
struct VegaConfig: Sendable {
    var continuousWidth = 300.0
    var continuousHeight = 300.0
    var markColor = Color(hex: 0x4c78a8)
    var countTitle = "Count of Records"
    /// `axis.grid`: whether axes without their own `grid` draw grid lines.
    var axisGrid: Bool?
    var node: Node?

    /// What each config group may set: the properties Rederive honours (sizes, colours, the
    /// bundled font, which `checkFonts` reads), and layout hints its own layout replaces
    /// (`padding`, `autosize`). Anything else is refused rather than drawn otherwise.
    static let honoured: [String: Set<String>] = [
        // The view's outline (`stroke`, Altair's configure_view(stroke=None)) is the axes' box,
        // which Rederive always draws, as its recipes do.
        "view": ["continuousWidth", "continuousHeight", "width", "height", "stroke", "strokeWidth"],
        "mark": ["color", "tooltip", "invalid", "opacity"],
        // Axes: `grid`, sizes, fonts and label colour; the rest of their ink is Rederive's style,
        // as it is for an encoding's own axis (`AxisGuide.keys`).
        "axis": AxisGuide.inkKeys.union(["grid", "labelFontSize", "titleFontSize", "labelColor", "labelFont", "titleFont"]),
        "axisX": [], "axisY": [],
        // `orient` is every legend's default side (`Legends.placement`).
        "legend": ["labelFontSize", "labelFont", "titleFont", "orient"],
        "title": ["fontSize", "font", "subtitleFont"],
        "text": ["fontSize", "font"],
        "line": ["strokeWidth"],
        "header": ["labelFont"],
    ]
    static let keys: Set<String> = Set(honoured.keys).union(["background", "font", "countTitle", "padding", "autosize"])

    static func parse(_ node: Node?) throws(VegaLiteError) -> VegaConfig {
        var c = VegaConfig()
        guard let node else { return c }
        try node.allowOnly(keys, what: "config")
        for (group, properties) in honoured { try node[group]?.allowOnly(properties, what: "config." + group) }
        c.node = node
        if let v = node["view"] {
            c.continuousWidth = v["continuousWidth"]?.value.number ?? v["width"]?.value.number ?? c.continuousWidth
            c.continuousHeight = v["continuousHeight"]?.value.number ?? v["height"]?.value.number ?? c.continuousHeight
        }
        if let mark = node["mark"] {
            if let invalid = mark["invalid"]?.value.string, !["filter", "break-paths-show-path-domains", "break-paths-filter-domains"].contains(invalid) {
                throw .unsupported(path: mark.displayPath + "/invalid", "invalid '\(invalid)' is not supported (invalid values are filtered)")
            }
            if mark["opacity"] != nil { throw .unsupported(path: mark.displayPath + "/opacity", "config.mark.opacity is not supported") }
        }
        if let color = node["mark"]?["color"]?.value.string { c.markColor = try CSSColor.parse(color, path: node.path + "/mark/color") }
        if let t = node["countTitle"]?.value.string { c.countTitle = t }
        c.axisGrid = node["axis"]?["grid"]?.value.bool
        return c
    }

    /// Rederive's style with the config's sizes and colours applied.
    /// Figures are drawn in the bundled DejaVu Sans, so that they are the same bytes on every
    /// machine: a config may name it, or Vega's default `sans-serif`, and nothing else.
    static func checkFonts(_ node: Node) throws(VegaLiteError) {
        let places: [(String?, String)] = [(nil, "font"), ("axis", "labelFont"), ("axis", "titleFont"), ("legend", "labelFont"),
                                           ("legend", "titleFont"), ("title", "font"), ("title", "subtitleFont"), ("text", "font"), ("header", "labelFont")]
        for (group, key) in places {
            guard let font = (group.map { node[$0]?[key] } ?? node[key]) else { continue }
            guard let name = font.value.string, ["dejavu sans", "sans-serif"].contains(name.lowercased()) else {
                throw .unsupported(path: font.displayPath, "font '\(font.value.string ?? "…")' is not bundled: figures use DejaVu Sans, the same on every machine (remove the font, or name \"DejaVu Sans\")")
            }
        }
    }

    func style(_ base: Style) throws(VegaLiteError) -> Style {
        var s = base
        guard let node else { return s }
        func number(_ path: [String]) -> Double? {
            var n: Node? = node
            for p in path { n = n?[p] }
            return n?.value.number
        }
        if let v = number(["axis", "labelFontSize"]) { s.tickLabelSize = v }
        if let v = number(["axis", "titleFontSize"]) { s.labelSize = v }
        if let v = number(["legend", "labelFontSize"]) { s.legendSize = v }
        if let v = number(["title", "fontSize"]) { s.suptitleSize = v; s.titleSize = v }
        if let v = number(["text", "fontSize"]) { s.annotationSize = v }
        if let v = number(["line", "strokeWidth"]) { s.lineWidth = v }
        if let bg = node["background"]?.value.string { s.background = try CSSColor.parse(bg, path: node.path + "/background") }
        if let fg = node["axis"]?["labelColor"]?.value.string { s.foreground = try CSSColor.parse(fg, path: node.path + "/axis/labelColor") }
        try Self.checkFonts(node)
        s.minimumTextSize = min(s.minimumTextSize, s.tickLabelSize, s.legendSize, s.annotationSize)
        return s
    }
}
