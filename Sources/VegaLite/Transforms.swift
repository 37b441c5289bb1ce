/// The view-level transforms Rederive supports, applied in order: filter, calculate, fold,
/// aggregate, bin, timeUnit. https://vega.github.io/vega-lite/docs/transform.html
enum Transforms {
    static let supported = ["filter", "calculate", "fold", "aggregate", "bin", "timeUnit"]

    static func apply(_ list: Node, to input: DataTable) throws(VegaLiteError) -> DataTable {
        var table = input
        for t in list.elements {
            let keys = t.value.keys
            if let filter = t["filter"] {
                let predicate = try Predicate.parse(filter)
                let rows = table.rows
                table.keep(rows.indices.filter { predicate.test(rows[$0]) })
            } else if let calc = t["calculate"] {
                let expr = try Expression.parse(try calc.string(), path: calc.displayPath)
                guard let name = t["as"]?.value.string else { throw .spec(path: t.displayPath, "calculate needs 'as'") }
                table.set(name, table.rows.map { expr.evaluate($0) })
                table.addColumn(name)
            } else if let fold = t["fold"] {
                let fields = fold.elements.compactMap(\.value.string)
                let names = t["as"]?.value.array?.compactMap(\.string) ?? ["key", "value"]
                guard names.count == 2 else { throw .spec(path: t.displayPath + "/as", "fold's 'as' needs two names") }
                var rows: [[String: DataValue]] = []
                for row in table.rows {
                    for f in fields {
                        var copy = row
                        copy[names[0]] = .string(f)
                        copy[names[1]] = row[f] ?? .null
                        rows.append(copy)
                    }
                }
                table.rows = rows
                table.addColumn(names[0]); table.addColumn(names[1])
            } else if let agg = t["aggregate"] {
                var measures: [Aggregator.Measure] = []
                for m in agg.elements {
                    guard let op = m["op"]?.value.string, ChannelDef.aggregates.contains(op) else {
                        throw .unsupported(path: m.displayPath + "/op", "aggregate op '\(m["op"]?.value.string ?? "…")' is not supported (supported: \(ChannelDef.aggregates.sorted().joined(separator: ", ")))")
                    }
                    let field = m["field"]?.value.string
                    if let field { try requireField(field, in: table, path: m.displayPath + "/field") }
                    measures.append(.init(op: op, field: field, output: m["as"]?.value.string ?? "\(op)_\(field ?? "")"))
                }
                let groupby = t["groupby"]?.elements.compactMap(\.value.string) ?? []
                for g in groupby { try requireField(g, in: table, path: t.displayPath + "/groupby") }
                table = Aggregator.aggregate(table, groupBy: groupby, measures: measures)
            } else if let b = t["bin"] {
                guard let field = t["field"]?.value.string else { throw .spec(path: t.displayPath, "bin needs 'field'") }
                try requireField(field, in: table, path: t.displayPath + "/field")
                let options = b.value.bool == true ? BinOptions() : try BinOptions.parse(b)
                var names = t["as"]?.value.array?.compactMap(\.string) ?? []
                if let single = t["as"]?.value.string { names = [single, single + "_end"] }
                if names.count == 1 { names.append(names[0] + "_end") }
                guard names.count == 2 else { throw .spec(path: t.displayPath, "bin needs 'as'") }
                binColumn(&table, field: field, options: options, start: names[0], end: names[1], maxbins: 10)
            } else if let tu = t["timeUnit"] {
                let unit = try TimeUnit.parse(tu)
                guard let field = t["field"]?.value.string, let name = t["as"]?.value.string else {
                    throw .spec(path: t.displayPath, "timeUnit needs 'field' and 'as'")
                }
                let values = table[field] ?? [DataValue?](repeating: nil, count: table.count)
                table.set(name, values.map { DateParser.value($0 ?? .null).map { .date(unit.floor($0)) } ?? .null })
                table.addColumn(name)
            } else {
                throw .unsupported(path: t.displayPath + "/" + (keys.first ?? ""), "transform '\(keys.first ?? "")' is not supported (supported: \(supported.joined(separator: ", ")))")
            }
        }
        return table
    }

    static func requireField(_ field: String, in table: DataTable, path: String) throws(VegaLiteError) {
        guard table.columns.contains(field) else {
            throw .data(.unknownField, path: path, "field '\(field)' is not in the data (columns: \(table.columnList))")
        }
    }

    /// Adds bin start and end columns for `field`, with Vega's bin rule over the field's extent.
    @discardableResult
    static func binColumn(_ table: inout DataTable, field: String, options: BinOptions, start: String, end: String,
                          maxbins: Double) -> (start: Double, stop: Double, step: Double) {
        var lo = Double.infinity, hi = -Double.infinity
        let values = table[field] ?? [DataValue?](repeating: nil, count: table.count)
        for value in values { if let v = value?.number, v.isFinite { lo = min(lo, v); hi = max(hi, v) } }
        if lo > hi { lo = 0; hi = 0 }
        let b = options.bins(min: lo, max: hi, defaultMaxbins: maxbins)
        // Vega's bin transform recomputes its stop as start + ceil((stop - start) / step) * step,
        // which floating point can push one step past the domain's stop (vega-transforms Bin.js);
        // a value at the stop then gets a bin of its own, as vl-convert draws it.
        let stop = b.start + ((b.stop - b.start) / b.step).rounded(.up) * b.step
        var starts: [DataValue?] = [], ends: [DataValue?] = []
        starts.reserveCapacity(values.count); ends.reserveCapacity(values.count)
        for value in values {
            if let v = value, !v.isNull, let n = v.number, n.isFinite {
                let s = BinOptions.binStart(n, start: b.start, stop: stop, step: b.step)
                starts.append(.number(s))
                ends.append(.number(b.start + b.step * (1 + (s - b.start) / b.step)))
            } else {
                starts.append(.null)
                ends.append(.null)
            }
        }
        table.set(start, starts)
        table.set(end, ends)
        table.addColumn(start); table.addColumn(end)
        return b
    }
}

/// A filter: an expression string, a field predicate, or and/or/not of them.
/// https://vega.github.io/vega-lite/docs/predicate.html
indirect enum Predicate {
    case expression(Expression)
    case field(String, TimeUnit?, (DataValue) -> Bool)
    case and([Predicate]), or([Predicate]), not(Predicate)

    func test(_ row: [String: DataValue]) -> Bool {
        switch self {
        case .expression(let e): return Expression.truthy(e.evaluate(row))
        case let .field(f, unit, test):
            var v = row[f] ?? .null
            if let unit, let ms = DateParser.value(v) { v = .date(unit.floor(ms)) }
            return test(v)
        case .and(let ps): return ps.allSatisfy { $0.test(row) }
        case .or(let ps): return ps.contains { $0.test(row) }
        case .not(let p): return !p.test(row)
        }
    }

    static func parse(_ node: Node) throws(VegaLiteError) -> Predicate {
        if let s = node.value.string { return .expression(try Expression.parse(s, path: node.displayPath)) }
        if let a = node["and"] { return .and(try a.elements.map { (n) throws(VegaLiteError) in try parse(n) }) }
        if let o = node["or"] { return .or(try o.elements.map { (n) throws(VegaLiteError) in try parse(n) }) }
        if let n = node["not"] { return .not(try parse(n)) }
        guard let field = node["field"]?.value.string else {
            throw .unsupported(path: node.displayPath, "filter must be an expression string or a field predicate (parameter predicates are not supported)")
        }
        let unit = try node["timeUnit"].map { (n) throws(VegaLiteError) in try TimeUnit.parse(n) }
        // A number first: a CSV's "3" is the number 3, not the year 3 (a field with a time
        // unit is a date by now, and a date string is no number).
        func num(_ v: DataValue) -> Double? { v.number ?? DateParser.value(v) }
        func constant(_ j: JSON) -> DataValue {
            // With a single time unit, a number names that unit (2006 is the year 2006), as
            // Vega-Lite reads predicate values. https://vega.github.io/vega-lite/docs/predicate.html
            if let unit, unit.parts.count == 1, let n = j.number {
                switch unit.parts[0] {
                case "year": return .date(DateParser.epochMilliseconds(year: clampedInt(n, limit: 300_000), month: 1, day: 1))
                case "month": return .date(DateParser.epochMilliseconds(year: 2012, month: clampedInt(n, limit: 12), day: 1))
                case "quarter": return .date(DateParser.epochMilliseconds(year: 2012, month: (clampedInt(n, limit: 4) - 1) * 3 + 1, day: 1))
                case "date": return .date(DateParser.epochMilliseconds(year: 2012, month: 1, day: clampedInt(n, limit: 31)))
                default: break
                }
            }
            if let o = j.object, o.contains(where: { $0.key == "year" || $0.key == "month" || $0.key == "date" }) {
                let y = o.first(where: { $0.key == "year" })?.value.number ?? 2012
                let m = clampedInt(o.first(where: { $0.key == "month" })?.value.number ?? 1, limit: 12)
                let d = clampedInt(o.first(where: { $0.key == "date" })?.value.number ?? 1, limit: 31)
                return .date(DateParser.epochMilliseconds(year: clampedInt(y, limit: 300_000), month: m, day: d))
            }
            return DataValue(j)
        }
        func equal(_ a: DataValue, _ b: DataValue) -> Bool {
            if case .string(let x) = a, case .string(let y) = b { return x == y }
            if let x = a.number, let y = b.number, !(a.isNull || b.isNull) { return x == y }
            return a.text == b.text
        }
        if let e = node["equal"] { let c = constant(e.value); return .field(field, unit) { equal($0, c) } }
        if let e = node["oneOf"] ?? node["in"] {
            let cs = (e.value.array ?? []).map(constant)
            return .field(field, unit) { v in cs.contains { equal(v, $0) } }
        }
        if let r = node["range"]?.value.array, r.count == 2 {
            let lo = constant(r[0]).number, hi = constant(r[1]).number
            return .field(field, unit) { v in
                guard !v.isNull, let x = num(v) else { return false }
                return (lo.map { x >= $0 } ?? true) && (hi.map { x <= $0 } ?? true)
            }
        }
        for (key, op) in [("lt", "<"), ("lte", "<="), ("gt", ">"), ("gte", ">=")] {
            if let c = node[key] {
                let bound = constant(c.value)
                return .field(field, unit) { v in
                    guard !v.isNull else { return false }
                    if case .string = bound, case .string = v { return Expression.truthy(Expression.binary(op, v, bound)) }
                    return Expression.truthy(Expression.binary(op, num(v).map(DataValue.number) ?? .null, bound.number.map(DataValue.number) ?? .null))
                }
            }
        }
        if let v = node["valid"]?.value.bool {
            return .field(field, unit) { x in
                let valid = !x.isNull && !(x.number?.isNaN ?? false && { if case .number = x { return true }; return false }())
                return valid == v
            }
        }
        throw .unsupported(path: node.displayPath, "this field predicate is not supported (supported: equal, oneOf, range, lt, lte, gt, gte, valid)")
    }
}
