/// d3-scale's time ticks (https://d3js.org/d3-scale/time#time_ticks) over UTC, and d3's
/// multi-scale tick format, as Vega draws temporal axes.
enum TimeTicks {
    static let second = 1000.0, minute = 60_000.0, hour = 3_600_000.0, day = 86_400_000.0
    static let week = 7 * day, month = 30 * day, year = 365 * day

    /// (unit, step, approximate duration)
    static let intervals: [(String, Int, Double)] = [
        ("second", 1, second), ("second", 5, 5 * second), ("second", 15, 15 * second), ("second", 30, 30 * second),
        ("minute", 1, minute), ("minute", 5, 5 * minute), ("minute", 15, 15 * minute), ("minute", 30, 30 * minute),
        ("hour", 1, hour), ("hour", 3, 3 * hour), ("hour", 6, 6 * hour), ("hour", 12, 12 * hour),
        ("day", 1, day), ("day", 2, 2 * day), ("week", 1, week), ("month", 1, month), ("month", 3, 3 * month),
        ("year", 1, year),
    ]

    static func ticks(_ start: Double, _ stop: Double, count: Double) -> [Double] {
        let (lo, hi) = start <= stop ? (start, stop) : (stop, start)
        let target = (hi - lo) / max(1, count)
        var chosen: (String, Int)
        if let i = intervals.firstIndex(where: { $0.2 > target }) {
            if i == 0 { chosen = ("second", 1) }
            else {
                let prev = intervals[i - 1], next = intervals[i]
                chosen = target / prev.2 < next.2 / target ? (prev.0, prev.1) : (next.0, next.1)
            }
        } else {
            let step = max(1, D3Ticks.step(lo / year, hi / year, count: count).rounded())
            chosen = ("year", clampedInt(step, limit: 1_000_000))
        }
        return enumerate(unit: chosen.0, step: chosen.1, lo: lo, hi: hi)
    }

    static func enumerate(unit: String, step: Int, lo: Double, hi: Double) -> [Double] {
        var out: [Double] = []
        switch unit {
        case "year", "month":
            let c = DateParser.components(lo)
            var y = c.year, m = unit == "year" ? 1 : c.month
            if unit == "year" { y = Int((Double(y) / Double(step)).rounded(.down)) * step }
            else { m = ((m - 1) / step) * step + 1 }
            for _ in 0..<2000 {
                let t = DateParser.epochMilliseconds(year: y, month: m, day: 1)
                if t > hi { break }
                if t >= lo { out.append(t) }
                if unit == "year" { y += step } else { m += step; while m > 12 { m -= 12; y += 1 } }
            }
        case "week":
            // d3's utcWeek starts on Sunday; 1970-01-04 was a Sunday.
            let sunday = 3 * day
            var t = ((lo - sunday) / week).rounded(.up) * week + sunday
            while t <= hi && out.count < 2000 { out.append(t); t += week }
        default:
            let size = unit == "day" ? day : unit == "hour" ? hour : unit == "minute" ? minute : second
            let stepMs = size * Double(step)
            var t = (lo / stepMs).rounded(.up) * stepMs
            if unit == "day" && step > 1 {   // d3 utcDay.every(2): days of the month 1, 3, 5…
                t = (lo / day).rounded(.up) * day
                while (DateParser.components(t).day - 1) % step != 0 { t += day }
                while t <= hi && out.count < 2000 {
                    out.append(t)
                    t += day * Double(step)
                    if (DateParser.components(t).day - 1) % step != 0 { t += day }
                }
                return out
            }
            while t <= hi && out.count < 2000 { out.append(t); t += stepMs }
        }
        return out
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// d3's multi-scale format: the coarsest unit the time is not a boundary of decides.
    static func multiFormat(_ t: Double) -> String {
        let c = DateParser.components(t)
        if c.millisecond != 0 { return format(t, ".%L") }
        if c.second != 0 { return format(t, ":%S") }
        if c.minute != 0 { return format(t, "%I:%M") }
        if c.hour != 0 { return format(t, "%I %p") }
        if c.day != 1 {
            let weekday = clampedInt(((t / day).rounded(.down) + 4).truncatingRemainder(dividingBy: 7) + 7) % 7
            return format(t, weekday == 0 ? "%b %d" : "%a %d")
        }
        if c.month != 1 { return format(t, "%B") }
        return format(t, "%Y")
    }

    /// d3-time-format's common directives, in UTC and English.
    static func format(_ t: Double, _ pattern: String) -> String {
        let c = DateParser.components(t)
        let weekday = clampedInt(((t / day).rounded(.down) + 4).truncatingRemainder(dividingBy: 7) + 7) % 7
        func pad(_ v: Int, _ n: Int = 2) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        var out = ""
        var chars = pattern.makeIterator()
        while let ch = chars.next() {
            guard ch == "%" else { out.append(ch); continue }
            guard let d = chars.next() else { break }
            switch d {
            case "Y": out += String(c.year)
            case "y": out += pad(c.year % 100)
            case "m": out += pad(c.month)
            case "d": out += pad(c.day)
            case "e": out += (c.day < 10 ? " " : "") + String(c.day)
            case "B": out += monthNames[c.month - 1]
            case "b": out += String(monthNames[c.month - 1].prefix(3))
            case "A": out += dayNames[weekday]
            case "a": out += String(dayNames[weekday].prefix(3))
            case "H": out += pad(c.hour)
            case "I": out += pad(c.hour % 12 == 0 ? 12 : c.hour % 12)
            case "p": out += c.hour < 12 ? "AM" : "PM"
            case "M": out += pad(c.minute)
            case "S": out += pad(c.second)
            case "L": out += pad(c.millisecond, 3)
            case "q": out += String((c.month - 1) / 3 + 1)
            case "%": out += "%"
            default: out += "%" + String(d)
            }
        }
        return out
    }
}
