/// Dates as JavaScript's `Date.parse` reads the forms data files use, all taken as UTC (the
/// reference renderer runs with TZ=UTC): ISO `YYYY`, `YYYY-MM`, `YYYY-MM-DD` with optional
/// `THH:MM[:SS[.sss]][Z]`, `YYYY/MM/DD`, and `Mon D YYYY` as in vega-datasets' stocks.csv.
/// Numbers are milliseconds since 1970.
enum DateParser {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func value(_ v: DataValue) -> Double? {
        switch v {
        case .date(let d): return d
        case .number(let n): return n
        case .string(let s): return parse(s)
        case .bool, .null: return nil
        }
    }

    static func parse(_ text: String) -> Double? {
        let s = text.trimmingSpaces
        if s.isEmpty { return nil }
        let parts = s.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if parts.count >= 3, let m = months.firstIndex(of: String(parts[0].prefix(3)).lowercased()),
           let d = Int(parts[1]), let y = Int(parts[2]) {
            var ms = 0.0
            if parts.count >= 4, let t = time(parts[3]) { ms = t }
            return epochMilliseconds(year: y, month: m + 1, day: d) + ms
        }
        var datePart = Substring(s), timePart: Substring? = nil
        if let t = s.firstIndex(where: { $0 == "T" || $0 == " " }) {
            datePart = s[..<t]
            timePart = s[s.index(after: t)...]
        }
        let sep: Character = datePart.contains("/") ? "/" : "-"
        let fields = datePart.split(separator: sep, omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count), fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        let numbers = fields.compactMap { Int($0) }
        guard numbers.count == fields.count else { return nil }
        var year = numbers[0], month = numbers.count > 1 ? numbers[1] : 1, day = numbers.count > 2 ? numbers[2] : 1
        if sep == "/" && numbers.count == 3 && fields[0].count <= 2 {   // M/D/YYYY
            (month, day, year) = (numbers[0], numbers[1], numbers[2])
        }
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        var ms = epochMilliseconds(year: year, month: month, day: day)
        if let timePart {
            guard let t = time(String(timePart)) else { return nil }
            ms += t
        }
        return ms
    }

    /// "HH:MM[:SS[.sss]]" with an optional trailing Z, as milliseconds into the day.
    static func time(_ text: String) -> Double? {
        var t = Substring(text)
        if t.hasSuffix("Z") { t = t.dropLast() }
        let hms = t.split(separator: ":")
        guard (2...3).contains(hms.count), let h = Int(hms[0]), let m = Int(hms[1]) else { return nil }
        let sec = hms.count == 3 ? (NumberParser.parse(hms[2]) ?? 0) : 0
        return (Double(h) * 3600 + Double(m) * 60 + sec) * 1000
    }

    /// Days from civil (Howard Hinnant's algorithm), times a day in ms.
    static func epochMilliseconds(year rawYear: Int, month rawMonth: Int, day rawDay: Int) -> Double {
        // Out-of-range parts (from a spec's numbers) are clamped rather than overflowing.
        let year = max(-300_000, min(300_000, rawYear)), month = max(1, min(12, rawMonth)), day = max(1, min(31, rawDay))
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return Double(days) * 86_400_000
    }

    /// (year, month 1-12, day, hours, minutes, seconds, ms) of a UTC time.
    static func components(_ ms: Double) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let total = clampedInt(ms.rounded(.down), limit: 8.64e15)
        var days = total >= 0 ? total / 86_400_000 : (total - 86_399_999) / 86_400_000
        let inDay = total - days * 86_400_000
        days += 719468
        let era = (days >= 0 ? days : days - 146096) / 146097
        let doe = days - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day, inDay / 3_600_000, inDay / 60_000 % 60, inDay / 1000 % 60, inDay % 1000)
    }
}
