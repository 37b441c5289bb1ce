/// A mark and its properties: `"mark": "point"` or `{"type": "bar", "color": ...}`.
/// https://vega.github.io/vega-lite/docs/mark.html
struct MarkDef {
    enum Kind: String, CaseIterable {
        case point, circle, square, line, bar, rect, area, rule, text, tick
    }
    var kind: Kind
    var path: String
    var color: String?
    var fill: String?
    var stroke: String?
    var filled: Bool?
    var opacity: Double?
    var fillOpacity: Double?
    var size: Double?
    var strokeWidth: Double?
    var strokeDash: [Double]?
    var orient: String?
    var shape: String?
    var point: Bool = false
    var thickness: Double?
    var binSpacing: Double?
    var width: JSON?
    var height: JSON?
    var text: String?
    var fontSize: Double?
    var align: String?
    var baseline: String?
    var dx = 0.0, dy = 0.0
    var angle: Double?
    var interpolate: String?
    /// Whether to clip the mark to the view; Vega-Lite draws marks whole by default.
    var clip = false

    static let supportedMarks = Kind.allCases.map(\.rawValue).joined(separator: ", ")
    static let keys: Set<String> = [
        "type", "color", "fill", "stroke", "filled", "opacity", "fillOpacity", "strokeOpacity", "size", "strokeWidth",
        "strokeDash", "orient", "shape", "point", "thickness", "binSpacing", "width", "height", "text", "fontSize",
        "align", "baseline", "dx", "dy", "angle", "interpolate", "tooltip", "clip", "cornerRadius", "cornerRadiusEnd",
        "strokeCap", "strokeJoin", "font", "fontWeight", "fontStyle", "line", "invalid", "aria", "style", "cursor",
        "cornerRadiusTopLeft", "cornerRadiusTopRight", "cornerRadiusBottomLeft", "cornerRadiusBottomRight",
    ]

    static func parse(_ node: Node) throws(VegaLiteError) -> MarkDef {
        let typeNode: Node
        if node.value.string != nil { typeNode = node }
        else if let t = node["type"] { typeNode = t; try node.allowOnly(keys, what: "mark") }
        else { throw .spec(path: node.displayPath, "a mark needs a type") }
        let name = try typeNode.string()
        guard let kind = Kind(rawValue: name) else {
            throw .unsupported(path: typeNode.displayPath, "\(name) marks are not supported (supported marks: \(supportedMarks))")
        }
        var m = MarkDef(kind: kind, path: node.displayPath)
        guard node.value.object != nil else { return m }
        for key in ["color", "fill", "stroke"] {
            if let c = node[key], c.value.string == nil, c.value != .null {
                throw .unsupported(path: c.displayPath, "only plain colours are supported for a mark's \(key) (gradients are not)")
            }
        }
        if let invalid = node["invalid"]?.value.string, !["filter", "break-paths-show-path-domains", "break-paths-filter-domains"].contains(invalid) {
            throw .unsupported(path: node.displayPath + "/invalid", "invalid '\(invalid)' is not supported (invalid values are filtered)")
        }
        m.color = node["color"]?.value.string
        m.fill = node["fill"]?.value.string
        m.stroke = node["stroke"]?.value.string
        m.filled = node["filled"]?.value.bool
        m.clip = node["clip"]?.value.bool ?? false
        m.opacity = node["opacity"]?.value.number
        m.fillOpacity = node["fillOpacity"]?.value.number
        m.size = node["size"]?.value.number
        m.strokeWidth = node["strokeWidth"]?.value.number
        m.strokeDash = node["strokeDash"]?.value.array?.compactMap(\.number)
        m.orient = node["orient"]?.value.string
        m.shape = node["shape"]?.value.string
        if let p = node["point"] { m.point = p.value.bool ?? (p.value.object != nil) }
        m.thickness = node["thickness"]?.value.number
        m.binSpacing = node["binSpacing"]?.value.number
        m.width = node["width"]?.value
        m.height = node["height"]?.value
        m.text = node["text"]?.value.string ?? node["text"]?.value.number.map(NumberText.js)
        m.fontSize = node["fontSize"]?.value.number
        m.align = node["align"]?.value.string
        m.baseline = node["baseline"]?.value.string
        m.dx = node["dx"]?.value.number ?? 0
        m.dy = node["dy"]?.value.number ?? 0
        m.angle = node["angle"]?.value.number
        if let i = node["interpolate"] {
            guard let s = i.value.string, s == "linear" else {
                throw .unsupported(path: i.displayPath, "interpolate '\(i.value.string ?? "…")' is not supported (supported: linear)")
            }
            m.interpolate = s
        }
        if let angle = m.angle, angle != 0 { throw .unsupported(path: node.displayPath + "/angle", "rotated text marks are not supported") }
        return m
    }

    /// Vega-Lite's default: point marks are hollow; everything else but line and rule filled.
    var isFilled: Bool { filled ?? (kind != .point && kind != .line && kind != .rule) }
}
