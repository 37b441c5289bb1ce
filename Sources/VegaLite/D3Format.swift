import Reproducible

/// d3-format's common forms (https://d3js.org/d3-format), which Vega uses for axis and legend
/// labels: `[[fill]align][sign][$][0][width][,][.precision][~][type]` with types f, d, e, g, r,
/// s, %, p and none. Negative numbers take d3's minus sign (U+2212). Built from integer
/// arithmetic, not Foundation's formatters, so no locale reaches a label.
struct D3Format: Equatable {
    var fill: Character = " "
    var align: Character = ">"
    var sign: Character = "-"
    var currency = false
    var zero = false
    var width: Int?
    var comma = false
    var precision: Int?
    var trim = false
    var type: Character?

    static let minus = "\u{2212}"

    init?(_ specifier: String) {
        var s = Array(specifier)
        func take(_ set: String) -> Character? {
            guard let f = s.first, set.contains(f) else { return nil }
            s.removeFirst()
            return f
        }
        if s.count >= 2, "<>=^".contains(s[1]) { fill = s[0]; align = s[1]; s.removeFirst(2) }
        else if let a = take("<>=^") { align = a }
        if let sg = take("+-( ") { sign = sg }
        if take("$") != nil { currency = true }
        if take("#") != nil { }
        if take("0") != nil { zero = true; fill = "0"; align = "=" }
        var digits = ""
        while let f = s.first, f.isASCII, f.isNumber { digits.append(f); s.removeFirst() }
        if !digits.isEmpty { width = Int(digits) }
        if take(",") != nil { comma = true }
        if take(".") != nil {
            var p = ""
            while let f = s.first, f.isASCII, f.isNumber { p.append(f); s.removeFirst() }
            guard let value = Int(p) else { return nil }
            precision = value
        }
        if take("~") != nil { trim = true }
        if let t = take("efgrsdp%xXob") { type = t }
        guard s.isEmpty else { return nil }
        if type == nil { precision = precision ?? 12; trim = true; type = "g" }   // d3: "" acts as ~g with precision 12
        if type == "d" { precision = 0 }
    }

    func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value < 0 ? Self.minus : "") + "Infinity" }
        var x = value
        var suffix = ""
        var negative = x < 0 || (x == 0 && x.sign == .minus && false)
        x = abs(x)
        var body: String
        let t = type ?? "g"
        switch t {
        case "d":
            body = DecimalText.fixed(x.rounded(.toNearestOrAwayFromZero), 0)
        case "f":
            body = DecimalText.fixed(x, precision ?? 6)
        case "%":
            body = DecimalText.fixed(x * 100, precision ?? 6); suffix = "%"
        case "p":
            body = DecimalText.significant(x * 100, max(1, precision ?? 6)); suffix = "%"
        case "e":
            body = DecimalText.exponential(x, precision ?? 6)
        case "s":
            (body, suffix) = DecimalText.siPrefix(x, max(1, min(21, precision ?? 6)))
        case "r":
            body = DecimalText.significant(x, max(1, min(21, precision ?? 6)), allowExponent: false)
        default:   // g
            body = DecimalText.significant(x, max(1, min(21, precision ?? 6)))
        }
        if trim { body = DecimalText.trimZeros(body) }
        // d3 prints -0 as 0 after rounding.
        if negative && Double(body.filter { $0.isNumber || $0 == "." }).map({ $0 == 0 }) == true { negative = false }
        if comma { body = DecimalText.group(body) }
        var prefix = ""
        switch sign {
        case "+": prefix = negative ? Self.minus : "+"
        case " ": prefix = negative ? Self.minus : " "
        case "(": prefix = negative ? "(" : ""; if negative { suffix += ")" }
        default: prefix = negative ? Self.minus : ""
        }
        if currency { prefix += "$" }
        var out = prefix + body + suffix
        if let width, out.count < width {
            let pad = String(repeating: fill, count: width - out.count)
            switch align {
            case "<": out = out + pad
            case "^": let half = pad.count / 2; out = String(pad.prefix(half)) + out + String(pad.dropFirst(half))
            case "=": out = prefix + pad + body + suffix
            default: out = pad + out
            }
        }
        return out
    }
}

/// Decimal digits of non-negative doubles, rounded half away from zero on the scaled value.
enum DecimalText {
    static func fixed(_ x: Double, _ p: Int) -> String {
        let p = max(0, min(20, p))
        let scale = D3Ticks.pow10(Double(p))
        let scaled = (x * scale).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9.0e15 else {
            return NumberText.plain(x.rounded()) + (p > 0 ? "." + String(repeating: "0", count: p) : "")
        }
        var digits = String(Int64(scaled))
        if p == 0 { return digits }
        if digits.count <= p { digits = String(repeating: "0", count: p - digits.count + 1) + digits }
        return String(digits.dropLast(p)) + "." + String(digits.suffix(p))
    }

    /// (digits, exponent) with `p` significant digits: x ≈ 0.d1d2… × 10^(exponent+1).
    static func significantDigits(_ x: Double, _ p: Int) -> (String, Int) {
        guard x > 0 else { return (String(repeating: "0", count: p), 0) }
        var e = Int(D3Ticks.floorLog10(x))
        var scaled = (x / D3Ticks.pow10(Double(e - p + 1))).rounded(.toNearestOrAwayFromZero)
        let limit = D3Ticks.pow10(Double(p))
        if scaled >= limit { e += 1; scaled = (x / D3Ticks.pow10(Double(e - p + 1))).rounded(.toNearestOrAwayFromZero) }
        if scaled < limit / 10 { e -= 1; scaled = (x / D3Ticks.pow10(Double(e - p + 1))).rounded(.toNearestOrAwayFromZero) }
        let digits = String(Int64(min(scaled, 9.0e18)))
        return (digits, e)
    }

    /// JS toPrecision: exponential when the exponent is < -6 or >= p.
    static func significant(_ x: Double, _ p: Int, allowExponent: Bool = true) -> String {
        if x == 0 { return p > 1 ? "0." + String(repeating: "0", count: p - 1) : "0" }
        let (digits, e) = significantDigits(x, p)
        if allowExponent && (e < -6 || e >= p) {
            let m = digits.count > 1 ? String(digits.prefix(1)) + "." + digits.dropFirst() : digits
            return m + "e" + (e < 0 ? "-" : "+") + String(abs(e))
        }
        return place(digits, e)
    }

    /// Digits d1d2… with the first at 10^e, written as a plain decimal.
    static func place(_ digits: String, _ e: Int) -> String {
        if e < 0 { return "0." + String(repeating: "0", count: -e - 1) + digits }
        if e + 1 >= digits.count { return digits + String(repeating: "0", count: e + 1 - digits.count) }
        return String(digits.prefix(e + 1)) + "." + digits.dropFirst(e + 1)
    }

    static func exponential(_ x: Double, _ p: Int) -> String {
        let (digits, e) = x == 0 ? (String(repeating: "0", count: p + 1), 0) : significantDigits(x, p + 1)
        let m = digits.count > 1 ? String(digits.prefix(1)) + "." + digits.dropFirst() : digits
        return m + "e" + (e < 0 ? "-" : "+") + String(abs(e))
    }

    static let prefixes = ["y", "z", "a", "f", "p", "n", "µ", "m", "", "k", "M", "G", "T", "P", "E", "Z", "Y"]

    /// d3's formatPrefixAuto: p significant digits and an SI prefix.
    static func siPrefix(_ x: Double, _ p: Int) -> (String, String) {
        guard x > 0 else { return (significant(0, p), "") }
        let (digits, e) = significantDigits(x, p)
        let k = max(-8, min(8, Int((Double(e) / 3).rounded(.down))))
        let i = e - k * 3
        let body: String
        if i >= digits.count { body = digits + String(repeating: "0", count: i - digits.count + 1) }
        else if i >= 0 { body = place(digits, i) }
        else { body = "0." + String(repeating: "0", count: -i - 1) + digits }
        return (body, prefixes[8 + k])
    }

    static func trimZeros(_ s: String) -> String {
        guard let dot = s.firstIndex(of: ".") else { return s }
        var end = s.endIndex
        if let e = s[dot...].firstIndex(where: { $0 == "e" }) { end = e }
        var body = String(s[..<end])
        while body.hasSuffix("0") { body.removeLast() }
        if body.hasSuffix(".") { body.removeLast() }
        return body + s[end...]
    }

    static func group(_ s: String) -> String {
        let intEnd = s.firstIndex(where: { !$0.isNumber }) ?? s.endIndex
        let integer = Array(s[..<intEnd])
        guard integer.count > 3 else { return s }
        var out = ""
        for (i, c) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out + s[intEnd...]
    }
}
