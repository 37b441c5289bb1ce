/// Vega's aggregate operations over groups of rows. Groups appear in first-seen order (as
/// Vega's aggregate transform emits them), and keys are compared as values, never hashed into
/// an order. https://vega.github.io/vega-lite/docs/aggregate.html
enum Aggregator {
    struct Measure {
        var op: String
        var field: String?
        var output: String
    }

    static func aggregate(_ table: DataTable, groupBy: [String], measures: [Measure]) -> DataTable {
        var index: [[DataValue]: Int] = [:]
        var keys: [[DataValue]] = []
        var members: [[Int]] = []
        let rows = table.rows
        for (r, row) in rows.enumerated() {
            let key = groupBy.map { row[$0] ?? .null }
            if let g = index[key] { members[g].append(r) }
            else { index[key] = keys.count; keys.append(key); members.append([r]) }
        }
        var grouped: [[String: DataValue]] = []
        grouped.reserveCapacity(keys.count)
        for (g, key) in keys.enumerated() {
            var row: [String: DataValue] = [:]
            for (k, name) in groupBy.enumerated() { row[name] = key[k] }
            for m in measures {
                let values: [Double] = m.field.map { f in members[g].compactMap { r -> Double? in
                    let v = rows[r][f] ?? .null
                    guard !v.isNull, let n = v.number, n.isFinite else { return nil }
                    return n
                } } ?? []
                row[m.output] = .number(compute(m.op, values: values, count: members[g].count))
            }
            grouped.append(row)
        }
        return DataTable(columns: groupBy + measures.map(\.output), rows: grouped)
    }

    static func compute(_ op: String, values: [Double], count: Int) -> Double {
        switch op {
        case "count": return Double(count)
        case "valid": return Double(values.count)
        case "sum": return values.reduce(0, +)
        case "mean", "average": return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        case "median": return quantile(values.sorted(), 0.5)
        case "q1": return quantile(values.sorted(), 0.25)
        case "q3": return quantile(values.sorted(), 0.75)
        case "min": return values.min() ?? .nan
        case "max": return values.max() ?? .nan
        case "distinct": return Double(Set(values).count)
        case "variance", "stdev":
            guard values.count > 1 else { return .nan }
            let mean = values.reduce(0, +) / Double(values.count)
            let v = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            return op == "variance" ? v : v.squareRoot()
        default: return .nan
        }
    }

    /// d3's quantile: linear between the two nearest ranks.
    static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let i = Double(sorted.count - 1) * p
        let lo = Int(i.rounded(.down)), hi = min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - Double(lo))
    }
}
