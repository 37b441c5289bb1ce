/// Decimal numbers as JSON and CSV write them, parsed without any locale: `Double(String)`
/// alone would also take "nan", "inf" and hexadecimal forms, which no data file means as numbers.
enum NumberParser {
    static func parse(_ text: Substring) -> Double? {
        parse(String(text))
    }

    static func parse(_ text: String) -> Double? {
        if let exact = plainDecimal(text.utf8) { return exact }
        var sawDigit = false
        var i = text.utf8.startIndex
        let u = text.utf8
        guard i != u.endIndex else { return nil }
        if u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i = u.index(after: i) }
        while i != u.endIndex, isDigit(u[i]) { sawDigit = true; i = u.index(after: i) }
        if i != u.endIndex, u[i] == UInt8(ascii: ".") {
            i = u.index(after: i)
            while i != u.endIndex, isDigit(u[i]) { sawDigit = true; i = u.index(after: i) }
        }
        guard sawDigit else { return nil }
        if i != u.endIndex, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i = u.index(after: i)
            if i != u.endIndex, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i = u.index(after: i) }
            var expDigit = false
            while i != u.endIndex, isDigit(u[i]) { expDigit = true; i = u.index(after: i) }
            guard expDigit else { return nil }
        }
        guard i == u.endIndex else { return nil }
        return Double(text)
    }

    /// Powers of ten that a Double holds exactly.
    static let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { a, _ in a * 10 } }

    /// `[-+]digits[.digits]` with at most 15 significant digits in all and no exponent: the
    /// digits as an integer and a power of ten are both exact in a Double, so one division is
    /// the correctly rounded value, as `Double(String)` gives it (Clinger's fast path), without
    /// its strtod. nil for anything else.
    static func plainDecimal(_ u: String.UTF8View) -> Double? {
        var mantissa: UInt64 = 0, digits = 0, fraction = 0, negative = false, inFraction = false
        var i = u.startIndex
        guard i != u.endIndex else { return nil }
        if u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { negative = u[i] == UInt8(ascii: "-"); i = u.index(after: i) }
        while i != u.endIndex {
            let c = u[i]
            if isDigit(c) {
                mantissa = mantissa * 10 + UInt64(c - 48)
                digits += 1
                if inFraction { fraction += 1 }
                guard digits <= 15 else { return nil }
            } else if c == UInt8(ascii: "."), !inFraction {
                inFraction = true
            } else {
                return nil
            }
            i = u.index(after: i)
        }
        guard digits > 0 else { return nil }
        let value = Double(mantissa) / exactPowers[fraction]
        return negative ? -value : value
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}
