/// Vega-Lite's measurement types. https://vega.github.io/vega-lite/docs/type.html
enum FieldType: String {
    case quantitative, ordinal, nominal, temporal

    var isDiscrete: Bool { self == .ordinal || self == .nominal }

    static func parse(_ s: String) -> FieldType? {
        switch s {
        case "quantitative", "Q": return .quantitative
        case "ordinal", "O": return .ordinal
        case "nominal", "N": return .nominal
        case "temporal", "T": return .temporal
        default: return nil
        }
    }
}

/// How an encoding's title was given: not at all (derive it), as null (none), or as text.
enum TitleOption: Equatable {
    case auto, none, text(String)
}

/// One encoding channel's definition, e.g. `"x": {"field": "Horsepower", "type": "quantitative"}`.
/// https://vega.github.io/vega-lite/docs/encoding.html
struct ChannelDef {
    let channel: String
    let path: String
    var field: String?
    var type: FieldType
    var aggregate: String?
    var bin: BinOptions?
    /// `bin: "binned"`: the data already holds bin starts (and x2/y2 the ends).
    var binned = false
    var timeUnit: TimeUnit?
    var title: TitleOption = .auto
    var sort: Node?
    var scale: Node?
    var axis: Node?
    var axisDisabled = false
    var legend: Node?
    var legendDisabled = false
    var format: String?
    var value: JSON?
    var datum: JSON?
    var stack: JSON?
    var header: Node?
    /// A wrapped facet's column count (`"facet": {"field": …, "columns": 3}`).
    var columns: Double?
    /// The column holding this channel's values after bin, timeUnit and aggregate.
    var column: String = ""
    /// The column of a bin's end, when binned.
    var column2: String?
    /// The bin step, once the data are binned (axes use it as their minimum tick step).
    var binStep: Double?
    /// The bins' full extent [start, stop] (Vega-Lite's domain of a binned field).
    var binExtent: (Double, Double)?

    static let channels: Set<String> = ["x", "y", "x2", "y2", "color", "fill", "stroke", "size", "opacity", "fillOpacity",
                                        "strokeOpacity", "shape", "strokeDash", "text", "detail", "row", "column", "facet",
                                        "tooltip", "order", "href", "key", "description"]
    static let keys: Set<String> = ["field", "type", "aggregate", "bin", "timeUnit", "title", "sort", "scale", "axis",
                                    "legend", "format", "formatType", "value", "datum", "stack", "header", "bandPosition", "columns"]
    static let aggregates: Set<String> = ["count", "sum", "mean", "average", "median", "min", "max"]

    var isConstant: Bool { field == nil && aggregate != "count" && datum == nil }
    var hasField: Bool { field != nil || aggregate == "count" }
    var isBinned: Bool { bin != nil || binned }
    var isContinuous: Bool { type == .quantitative || type == .temporal }

    /// Parses a channel definition; `repeatBinding` substitutes `{"repeat": "row"}` fields.
    static func parse(_ channel: String, _ node: Node, repeatBinding: [String: String]) throws(VegaLiteError) -> ChannelDef {
        guard node.value.object != nil else {
            throw .spec(path: node.displayPath, "an encoding must be an object such as {\"field\": ..., \"type\": ...}")
        }
        try node.allowOnly(keys, what: "encoding")
        if node["condition"] != nil { throw .unsupported(path: node.displayPath + "/condition", "conditions are not supported") }
        var field: String? = nil
        if let f = node["field"] {
            if let s = f.value.string { field = s }
            else if let r = f["repeat"]?.value.string {
                guard let bound = repeatBinding[r] else { throw .spec(path: f.displayPath, "'repeat': '\(r)' is used outside a matching repeat") }
                field = bound
            } else { throw .unsupported(path: f.displayPath, "a field must be a string (nested field objects are not supported)") }
        }
        var def = ChannelDef(channel: channel, path: node.displayPath, field: field, type: .nominal)
        if let a = node["aggregate"] {
            guard let op = a.value.string, aggregates.contains(op) else {
                throw .unsupported(path: a.displayPath, "aggregate '\(a.value.string ?? "…")' is not supported (supported: \(aggregates.sorted().joined(separator: ", ")))")
            }
            def.aggregate = op == "average" ? "mean" : op
        }
        if let b = node["bin"] {
            if b.value.string == "binned" { def.binned = true }
            else if b.value.bool == true { def.bin = BinOptions() }
            // `{"binned": true}` says the same as "binned" (https://vega.github.io/vega-lite/docs/bin.html#binned).
            else if b.value.object != nil, b["binned"]?.value.bool == true { def.binned = true }
            else if b.value.object != nil { def.bin = try BinOptions.parse(b) }
            else if b.value.bool != false && b.value != .null { throw .spec(path: b.displayPath, "bin must be true, false, \"binned\" or an object") }
        }
        if let t = node["timeUnit"] { def.timeUnit = try TimeUnit.parse(t) }
        if let t = node["title"] {
            if case .null = t.value { def.title = .none }
            else if let s = t.value.string { def.title = .text(s) }
            else if let parts = t.value.array?.compactMap(\.string) { def.title = .text(parts.joined(separator: " ")) }
        }
        def.sort = node["sort"]
        if let s = node["scale"] { if case .null = s.value { def.scale = nil } else { def.scale = s } }
        if let a = node["axis"] { if case .null = a.value { def.axisDisabled = true } else { def.axis = a } }
        if let l = node["legend"] { if case .null = l.value { def.legendDisabled = true } else { def.legend = l } }
        def.format = node["format"]?.value.string
        def.value = node["value"]?.value
        def.datum = node["datum"]?.value
        def.stack = node["stack"]?.value
        def.header = node["header"]
        if let l = node["legend"], l.value.object != nil {
            try l.allowOnly(["title", "format", "orient", "labelLimit", "symbolType", "direction", "labelFontSize", "titleFontSize",
                             "symbolSize", "titleLimit", "offset", "padding", "labelColor", "titleColor", "gradientLength",
                             "symbolStrokeWidth", "columns", "tickCount", "type", "clipHeight", "labelOverlap"], what: "legend")
        }
        def.columns = node["columns"]?.value.number
        if def.aggregate == "count" && field == nil { def.field = nil }
        if let t = node["type"] {
            guard let s = t.value.string, let type = FieldType.parse(s) else {
                throw .unsupported(path: t.displayPath, "type '\(t.value.string ?? "…")' is not supported (supported: quantitative, ordinal, nominal, temporal)")
            }
            def.type = type
        } else {
            def.type = inferType(def, channel: channel)
        }
        return def
    }

    /// Vega-Lite's default type when `type` is left out.
    /// https://vega.github.io/vega-lite/docs/type.html ("Default value")
    static func inferType(_ def: ChannelDef, channel: String) -> FieldType {
        if def.aggregate != nil || def.isBinned { return .quantitative }
        if def.timeUnit != nil { return .temporal }
        if let t = def.scale?["type"]?.value.string, ["linear", "log", "pow", "sqrt", "symlog"].contains(t) { return .quantitative }
        if let t = def.scale?["type"]?.value.string, ["time", "utc"].contains(t) { return .temporal }
        if def.sort?.value.array != nil || channel == "order" { return .ordinal }
        if let d = def.datum, d.number != nil { return .quantitative }
        return .nominal
    }

    /// The default title: "Mean of Horsepower", "Count of Records", "IMDB Rating (binned)".
    /// https://vega.github.io/vega-lite/docs/title.html (verbal title formatter)
    var defaultTitle: String? {
        if aggregate == "count" { return "Count of Records" }
        guard let field else { return nil }
        if isBinned && !binned { return "\(field) (binned)" }
        if let timeUnit { return "\(field) (\(timeUnit.parts.joined(separator: "-")))" }
        if let aggregate { return "\(aggregate.prefix(1).uppercased() + aggregate.dropFirst()) of \(field)" }
        return field
    }

    var resolvedTitle: String? {
        switch title {
        case .auto: return defaultTitle
        case .none: return nil
        case .text(let s): return s
        }
    }
}
