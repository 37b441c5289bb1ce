/// Time units that floor a date, the subset Rederive draws: years, quarters, months, dates and
/// their combinations (`yearmonth`, `yearmonthdate`). https://vega.github.io/vega-lite/docs/timeunit.html
struct TimeUnit: Equatable {
    var parts: [String]

    static let allParts = ["year", "quarter", "month", "date"]

    static func parse(_ node: Node) throws(VegaLiteError) -> TimeUnit {
        var name = node.value.string ?? node["unit"]?.value.string ?? ""
        if name.hasPrefix("utc") { name = String(name.dropFirst(3)) }
        let parts = allParts.filter { name.contains($0) }
        guard !parts.isEmpty, parts.joined() == name else {
            throw .unsupported(path: node.displayPath, "timeUnit '\(name)' is not supported (supported: year, quarter, month, date, yearmonth, yearquarter, yearmonthdate, monthdate)")
        }
        return TimeUnit(parts: parts)
    }

    /// The start of the unit holding `ms`. Units without a year use 2012, as Vega-Lite does.
    func floor(_ ms: Double) -> Double {
        let c = DateParser.components(ms)
        let year = parts.contains("year") ? c.year : 2012
        var month = parts.contains("month") ? c.month : 1
        if parts.contains("quarter") { month = ((c.month - 1) / 3) * 3 + 1 }
        let day = parts.contains("date") ? c.day : 1
        return DateParser.epochMilliseconds(year: year, month: month, day: day)
    }

    /// The end of the unit holding `start` (for bars spanning a unit).
    func next(_ start: Double) -> Double {
        let c = DateParser.components(start)
        if parts.contains("date") { return start + 86_400_000 }
        if parts.contains("month") {
            return DateParser.epochMilliseconds(year: c.month == 12 ? c.year + 1 : c.year, month: c.month % 12 + 1, day: 1)
        }
        if parts.contains("quarter") {
            let m = c.month + 3
            return DateParser.epochMilliseconds(year: m > 12 ? c.year + 1 : c.year, month: (m - 1) % 12 + 1, day: 1)
        }
        return DateParser.epochMilliseconds(year: c.year + 1, month: 1, day: 1)
    }

    /// Vega-Lite's label format for the unit (d3 time format).
    var format: String {
        switch parts {
        case ["year"]: return "%Y"
        case ["month"]: return "%b"
        case ["quarter"]: return "Q%q"
        case ["date"]: return "%d"
        case ["year", "month"]: return "%b %Y"
        case ["year", "quarter"]: return "Q%q %Y"
        case ["month", "date"]: return "%b %d"
        default: return "%b %d, %Y"
        }
    }
}
