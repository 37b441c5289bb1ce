/// The categories of a discrete scale, in Vega-Lite's order: ascending by default, or as the
/// encoding's `sort` says (ascending, descending, null for data order, an explicit array, by
/// another encoding channel, or by an aggregate of a field).
/// https://vega.github.io/vega-lite/docs/sort.html
enum DiscreteDomain {
    static func categories(_ units: [PreparedUnit], channel: String) throws(VegaLiteError) -> [DataValue] {
        var seen = Set<DataValue>()
        var values: [DataValue] = []
        for unit in units {
            guard let def = unit.channels[channel], def.hasField || def.datum != nil else { continue }
            for value in unit.table[def.column] ?? [] {
                let v = value ?? .null
                if v.isNull { continue }
                if seen.insert(v).inserted { values.append(v) }
            }
        }
        guard let first = units.compactMap({ $0.channels[channel] }).first(where: { $0.hasField }) else { return values }
        guard let sort = first.sort else { return values.sorted(by: DataValue.ascending) }
        switch sort.value {
        case .null:
            return values
        case .string(let s):
            if s == "ascending" { return values.sorted(by: DataValue.ascending) }
            if s == "descending" { return values.sorted { DataValue.ascending($1, $0) } }
            // "x", "-y": by another channel's field, aggregated as that channel aggregates it
            // (sum when it does not), over the unaggregated rows.
            let descending = s.hasPrefix("-")
            let other = descending ? String(s.dropFirst()) : s
            guard let unit = units.first(where: { $0.channels[other] != nil }), let od = unit.channels[other],
                  let mine = unit.channels[channel], let source = mine.field else {
                throw .spec(path: sort.displayPath, "sort by '\(s)' names no encoded channel")
            }
            var groups: [DataValue: [Double]] = [:], counts: [DataValue: Int] = [:]
            let measured = od.field.flatMap { unit.source[$0] }
            for (r, value) in (unit.source[source] ?? []).enumerated() {
                let key = PreparedUnit.typed(value ?? .null, mine)
                counts[key, default: 0] += 1
                if let n = measured?[r]?.number, n.isFinite { groups[key, default: []].append(n) }
            }
            let op = od.aggregate ?? "sum"
            return stableSort(values.map { ($0, Aggregator.compute(op, values: groups[$0] ?? [], count: counts[$0] ?? 0)) }, descending: descending)
        case .array(let items):
            let explicit = items.map(DataValue.init)
            var out = explicit.compactMap { e in values.first { $0 == e || $0.text == e.text } }
            var used = Set(out)
            for v in values where !used.contains(v) { out.append(v); used.insert(v) }
            return out
        case .object:
            let descending = sort["order"]?.value.string == "descending"
            let op = sort["op"]?.value.string ?? (sort["field"] == nil ? nil : "sum")
            guard let op else {
                return descending ? values.sorted { DataValue.ascending($1, $0) } : values.sorted(by: DataValue.ascending)
            }
            let field = sort["field"]?.value.string
            // Sort keys come from the unaggregated rows, grouped by this channel's value.
            var groups: [DataValue: [Double]] = [:], counts: [DataValue: Int] = [:]
            for unit in units {
                guard let def = unit.channels[channel], let source = def.field else { continue }
                let measured = field.flatMap { unit.source[$0] }
                for (r, value) in (unit.source[source] ?? []).enumerated() {
                    let key = PreparedUnit.typed(value ?? .null, def)
                    counts[key, default: 0] += 1
                    if let n = measured?[r]?.number, n.isFinite { groups[key, default: []].append(n) }
                }
            }
            let keyed = values.map { ($0, Aggregator.compute(op, values: groups[$0] ?? [], count: counts[$0] ?? 0)) }
            return stableSort(keyed, descending: descending)
        default:
            return values.sorted(by: DataValue.ascending)
        }
    }

    static func stableSort(_ keyed: [(DataValue, Double)], descending: Bool) -> [DataValue] {
        keyed.enumerated().sorted { a, b in
            let x = a.element.1, y = b.element.1
            if x != y { return descending ? x > y : x < y }
            return a.offset < b.offset
        }.map(\.element.0)
    }
}

