/// Decimal numbers as JSON and CSV write them, parsed without any locale: `Double(String)`
/// alone would also take "nan", "inf" and hexadecimal forms, which no data file means as numbers.
enum NumberParser {
    static func parse(_ text: Substring) -> Double? {
        parse(String(text))
    }

    static func parse(_ text: String) -> Double? {
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

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}
