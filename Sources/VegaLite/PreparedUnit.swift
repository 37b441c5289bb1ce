/// One unit view (a mark with its encodings) with its data processed as Vega-Lite's dataflow
/// would: encoding fields read into per-channel columns (`@x`, `@x_end`, …) after timeUnit,
/// bin and aggregate, and stacked bars/areas given `@stack0`/`@stack1`.
struct PreparedUnit {
    var mark: MarkDef
    var channels: [String: ChannelDef]
    var table: DataTable
    /// The rows before bin, timeUnit and aggregate (for sorts by a field's aggregate).
    var source: DataTable
    var path: String
    /// The stacked channel ("x" or "y") and its offset, when stacked.
    var stack: (channel: String, offset: String)?

    /// The order in which channels are listed (never a dictionary's order).
    static let channelOrder = ["x", "y", "x2", "y2", "color", "fill", "stroke", "size", "opacity", "fillOpacity",
                               "strokeOpacity", "shape", "strokeDash", "text", "detail", "order", "row", "column", "facet"]

    static func column(_ channel: String) -> String { "@" + channel }
    static func endColumn(_ channel: String) -> String { "@" + channel + "_end" }

    func def(_ channel: String) -> ChannelDef? { channels[channel] }

    /// Whether symbols are filled: a fill field fills them and a stroke field outlines them,
    /// whatever the mark's default (a point is hollow, see `MarkDef.isFilled`).
    var symbolsFilled: Bool {
        if channels["fill"]?.hasField == true { return true }
        return channels["stroke"]?.hasField == true ? mark.filled == true : mark.isFilled
    }

    /// The colour-carrying channel, if any: color, else fill, else stroke.
    var colorChannel: ChannelDef? {
        for name in ["color", "fill", "stroke"] { if let d = channels[name], d.hasField || d.datum != nil { return d } }
        return nil
    }
}

extension PreparedUnit {
    /// Reads `encoding` over `table`: checks fields and types, applies timeUnit, bin, aggregate
    /// and stacking. `facetChannels` are facet fields of an enclosing facet, grouped by too.
    static func prepare(mark: MarkDef, encoding: [(key: String, node: Node)], table input: DataTable, path: String,
                        repeatBinding: [String: String], facetFields: [(String, ChannelDef)]) throws(VegaLiteError) -> PreparedUnit {
        var channels: [String: ChannelDef] = [:]
        for (name, node) in encoding {
            guard ChannelDef.channels.contains(name) else {
                throw .unsupported(path: node.displayPath, "the \(name) channel is not supported (supported: \(channelOrder.joined(separator: ", ")))")
            }
            if name == "tooltip" || name == "href" || name == "key" || name == "description" { continue }   // no ink in a static figure
            if name == "detail", node.value.array != nil {
                throw .unsupported(path: node.displayPath, "an array of detail fields is not supported")
            }
            channels[name] = try ChannelDef.parse(name, node, repeatBinding: repeatBinding)
        }
        for (name, def) in facetFields { channels[name] = def }
        try checkColouring(channels, mark: mark)
        // Shapes Rederive draws; an SVG path or another Vega shape must not become a circle.
        for shape in [channels["shape"]?.value?.string, mark.shape].compactMap({ $0 }) where !PropertyEncoding.shapeNames.contains(shape) {
            throw .unsupported(path: channels["shape"]?.path ?? mark.path, "shape '\(shape.prefix(40))' is not supported (supported: \(PropertyEncoding.shapeNames.joined(separator: ", ")))")
        }
        var unit = PreparedUnit(mark: mark, channels: channels, table: input, source: input, path: path, stack: nil)
        try unit.checkFields()
        try unit.readColumns()
        try unit.aggregate()
        unit.filterInvalid()
        unit.applyStack()
        return unit
    }

    /// A mark is coloured by one field: color, fill and stroke over different fields (a fill and
    /// an outline of their own) are refused rather than drawn with one of them; so is a stroke
    /// field on a mark drawn as an area, which would be filled with it.
    static func checkColouring(_ channels: [String: ChannelDef], mark: MarkDef) throws(VegaLiteError) {
        let coloured = ["color", "fill", "stroke"].compactMap { name in channels[name].flatMap { $0.hasField ? (name, $0) : nil } }
        if let (name, def) = coloured.dropFirst().first(where: { $0.1.field != coloured[0].1.field }) {
            throw .unsupported(path: def.path, "\(coloured[0].0) and \(name) encode different fields; Rederive colours a mark by one field (use one of color, fill, stroke)")
        }
        if coloured.map(\.0) == ["stroke"], ![.point, .circle, .square, .line, .rule, .tick].contains(mark.kind), let def = channels["stroke"] {
            throw .unsupported(path: def.path, "a stroke field on a \(mark.kind.rawValue) mark is not supported (use color, which fills it)")
        }
    }

    func checkFields() throws(VegaLiteError) {
        for name in Self.channelOrder {
            guard let def = channels[name], let field = def.field else { continue }
            guard table.columns.contains(field) else {
                throw .data(.unknownField, path: def.path + "/field",
                            "field '\(field)' is not in the data (columns: \(table.columnList))")
            }
            // Non-aggregated quantitative fields are checked as they are read (readColumns).
            guard def.type == .quantitative && def.aggregate != nil && def.aggregate != "count" else { continue }
            try Self.checkNumbers(table[field] ?? [], field: field, def: def)
        }
    }

    static func checkNumbers(_ values: [DataValue?], field: String, def: ChannelDef) throws(VegaLiteError) {
        for (r, v) in values.enumerated() { try checkNumber(v ?? .null, field: field, row: r, def: def) }
    }

    static func checkNumber(_ v: DataValue, field: String, row r: Int, def: ChannelDef) throws(VegaLiteError) {
        if case .string(let s) = v, !s.isEmpty, s != "NaN", NumberParser.parse(s.trimmingSpaces) == nil {
            throw .data(.badValue, path: def.path + "/field", "field '\(field)' is quantitative but row \(r + 1) holds '\(s)'")
        }
    }

    /// Fills `@channel` (and `@channel_end` for bins and time units) for non-aggregated fields.
    mutating func readColumns() throws(VegaLiteError) {
        for name in Self.channelOrder {
            guard var def = channels[name] else { continue }
            let col = Self.column(name)
            def.column = col
            if def.aggregate != nil { channels[name] = def; continue }
            guard let field = def.field else {
                if let datum = def.datum { table.set(col, [DataValue?](repeating: DataValue(datum), count: table.count)) }
                channels[name] = def
                continue
            }
            let values = table[field] ?? [DataValue?](repeating: nil, count: table.count)
            if let bin = def.bin {
                let end = Self.endColumn(name)
                let maxbins: Double = ["row", "column", "facet", "shape"].contains(name) ? 6 : 10
                try Self.checkNumbers(values, field: field, def: def)
                let numeric = Self.numeric(table, field)
                let bins = Transforms.binColumn(&table, field: numeric, options: bin, start: col, end: end, maxbins: maxbins)
                def.binStep = bins.step
                def.binExtent = (bins.start, bins.stop)
                def.column2 = end
                channels[name] = def
                continue
            }
            var typed = [DataValue?](repeating: nil, count: table.count)
            for (r, value) in values.enumerated() {
                let v = value ?? .null
                let t = Self.typed(v, def)
                if def.type == .quantitative, case .null = t, !v.isNull { try Self.checkNumber(v, field: field, row: r, def: def) }
                typed[r] = t
            }
            table.set(col, typed)
            if let unit = def.timeUnit {
                let end = Self.endColumn(name)
                table.set(end, typed.map { v in if case .date(let d) = v ?? .null { return .date(unit.next(d)) } else { return nil } })
                def.column2 = end
            }
            channels[name] = def
        }
    }

    /// A numeric copy of a field for binning (CSV text becomes numbers).
    static func numeric(_ table: DataTable, _ field: String) -> String { field }

    /// A value as its channel's type reads it: numbers for quantitative, dates (time-unit
    /// floored) for temporal, the value itself for discrete types.
    static func typed(_ v: DataValue, _ def: ChannelDef) -> DataValue {
        if v.isNull { return .null }
        switch def.type {
        case .quantitative:
            if case .date = v { return v }
            return v.number.map(DataValue.number) ?? .null
        case .temporal:
            guard let ms = DateParser.value(v) else { return .null }
            return .date(def.timeUnit.map { $0.floor(ms) } ?? ms)
        case .ordinal, .nominal:
            if let unit = def.timeUnit, let ms = DateParser.value(v) { return .date(unit.floor(ms)) }
            return v
        }
    }

    mutating func aggregate() throws(VegaLiteError) {
        let aggregated = Self.channelOrder.compactMap { channels[$0] }.filter { $0.aggregate != nil }
        guard !aggregated.isEmpty else { return }
        var groupBy: [String] = []
        for name in Self.channelOrder {
            guard let def = channels[name], def.aggregate == nil, def.field != nil || def.datum != nil else { continue }
            groupBy.append(def.column)
            if let c2 = def.column2 { groupBy.append(c2) }
        }
        let measures = aggregated.map { Aggregator.Measure(op: $0.aggregate ?? "count", field: $0.field, output: $0.column) }
        table = Aggregator.aggregate(table, groupBy: groupBy, measures: measures)
    }

    /// Vega-Lite's default for invalid values: rows whose field on a continuous scale (x, y,
    /// colour, size, opacity) is null or NaN are not drawn. https://vega.github.io/vega-lite/docs/mark.html#invalid
    mutating func filterInvalid() {
        let checked = ["x", "y", "color", "fill", "stroke", "size", "opacity"].compactMap { channels[$0] }
            .filter { $0.isContinuous && $0.hasField }.map(\.column)
        guard !checked.isEmpty else { return }
        var keep: [Int] = []
        keep.reserveCapacity(table.count)
        let columns = checked.map { table[$0] ?? [DataValue?](repeating: nil, count: table.count) }
        for r in 0..<table.count where columns.allSatisfy({ column in
            let v = column[r] ?? .null
            if v.isNull { return false }
            if case .number(let n) = v { return n.isFinite }
            return true
        }) { keep.append(r) }
        table.keep(keep)
    }
}
