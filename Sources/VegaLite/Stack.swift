/// Vega-Lite's default stacking of bars and areas, split by a colour (or detail, opacity…)
/// field if any: zero-based, sorted descending by the splitting field for vertical stacks and
/// ascending for horizontal ones. https://vega.github.io/vega-lite/docs/stack.html
extension PreparedUnit {
    static let stackByChannels = ["color", "fill", "stroke", "opacity", "fillOpacity", "detail", "size", "shape"]

    mutating func applyStack() {
        guard let (channel, offset) = stackChannel() else { return }
        let other = channel == "x" ? "y" : "x"
        let stackBy = Self.stackByChannels.compactMap { channels[$0] }.filter { $0.hasField && $0.aggregate == nil }
        let explicit = channels[channel]?.stack != nil
        // Bars and areas stack by default, even with nothing to stack by (two rows of one
        // category stack in data order); only an aggregated unit with nothing to stack by does
        // not (vega-lite's stack.ts: `isAggregate(encoding) && stackBy.length === 0`).
        let aggregated = channels.values.contains { $0.aggregate != nil }
        guard !stackBy.isEmpty || explicit || !aggregated else { return }
        var groupColumns: [String] = []
        if let d = channels[other], d.hasField { groupColumns.append(d.column); if let c2 = d.column2 { groupColumns.append(c2) } }
        for f in ["row", "column", "facet"] { if let d = channels[f] { groupColumns.append(d.column) } }
        let valueColumn = channels[channel]?.column ?? ""
        let descending = channel == "y"
        // Group rows (first-seen order), then order each group by the stack-by fields.
        var index: [[DataValue]: Int] = [:]
        var groups: [[Int]] = []
        var rows = table.rows
        defer { table.rows = rows }
        for (r, row) in rows.enumerated() {
            let key = groupColumns.map { row[$0] ?? .null }
            if let g = index[key] { groups[g].append(r) } else { index[key] = groups.count; groups.append([r]) }
        }
        let sortColumns = stackBy.map(\.column)
        var centred: [(rows: [Int], total: Double)] = []
        for members in groups {
            let ordered = members.enumerated().sorted { a, b in
                for c in sortColumns {
                    let x = rows[a.element][c] ?? .null, y = rows[b.element][c] ?? .null
                    if x == y { continue }
                    return descending ? DataValue.ascending(y, x) : DataValue.ascending(x, y)
                }
                return a.offset < b.offset
            }.map(\.element)
            let values = ordered.map { rows[$0][valueColumn]?.number ?? 0 }
            let total = values.reduce(0) { $0 + abs($1.isFinite ? $1 : 0) }
            var positive = 0.0, negative = 0.0
            var spans: [(Double, Double)] = []
            for v in values {
                let x = v.isFinite ? v : 0
                if x < 0 { spans.append((negative + x, negative)); negative += x }
                else { spans.append((positive, positive + x)); positive += x }
            }
            if offset == "normalize", total > 0 { spans = spans.map { ($0.0 / total, $0.1 / total) } }
            if offset == "center" { centred.append((ordered, positive)) }
            for (k, r) in ordered.enumerated() {
                rows[r]["@stack0"] = .number(spans[k].0)
                rows[r]["@stack1"] = .number(spans[k].1)
            }
        }
        // Vega's center offset: each stack starts at (max total - its total) / 2.
        let most = centred.map(\.total).max() ?? 0
        for (members, total) in centred {
            let shift = (most - total) / 2
            for r in members {
                rows[r]["@stack0"] = .number((rows[r]["@stack0"]?.number ?? 0) + shift)
                rows[r]["@stack1"] = .number((rows[r]["@stack1"]?.number ?? 0) + shift)
            }
        }
        stack = (channel, offset)
    }

    /// Which channel stacks, and with what offset, or nil.
    func stackChannel() -> (String, String)? {
        func isMeasure(_ c: String) -> Bool {
            guard let d = channels[c] else { return false }
            return d.type == .quantitative && !d.isBinned && d.hasField && channels[c + "2"] == nil
        }
        let x = isMeasure("x"), y = isMeasure("y")
        var channel: String
        if y && !x { channel = "y" } else if x && !y { channel = "x" } else if x && y { channel = mark.orient == "horizontal" ? "x" : "y" } else { return nil }
        let stackValue = channels[channel]?.stack
        if let s = stackValue {
            switch s {
            case .null, .bool(false): return nil
            case .string(let o): return (channel, o)
            default: return (channel, "zero")
            }
        }
        guard mark.kind == .bar || mark.kind == .area else { return nil }
        return (channel, "zero")
    }
}
