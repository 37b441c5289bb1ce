/// Numbers as JavaScript's `String(number)` writes them, which is what Vega shows for a
/// number used as a category or text: shortest round-trip digits, no ".0", exponent from 1e21.
/// An Int from a double a spec or its data supplied: NaN is 0 and magnitudes are clamped, so a
/// value like 1e300 never traps a conversion.
func clampedInt(_ x: Double, limit: Double = 1e15) -> Int {
    guard !x.isNaN else { return 0 }
    return Int(max(-limit, min(limit, x)))
}

enum NumberText {
    static func js(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        if x == 0 { return "0" }
        if x == x.rounded(), abs(x) < 1e21 { return String(Int64(x)) }
        let s = "\(x)"   // Swift's shortest round-trip form, locale-free
        guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
        var mantissa = String(s[..<e])
        var exponent = Int(s[s.index(after: e)...]) ?? 0
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        // JS writes plain decimals down to 1e-7 and up to 1e21.
        if exponent >= -7 && exponent < 21 {
            return plain(x)
        }
        let sign = exponent < 0 ? "-" : "+"
        exponent = abs(exponent)
        return "\(mantissa)e\(sign)\(exponent)"
    }

    /// Decimal digits without exponent, from the shortest round-trip digits.
    static func plain(_ x: Double) -> String {
        let s = "\(abs(x))"
        guard let e = s.firstIndex(of: "e") else { return (x < 0 ? "-" : "") + s }
        let mantissa = s[..<e].replacingOccurrences(of: ".", with: "")
        let exponent = Int(s[s.index(after: e)...]) ?? 0
        let digits = mantissa.hasSuffix("0") && mantissa.count > 1 ? String(mantissa.dropLast()) : mantissa
        var out: String
        if exponent < 0 {
            out = "0." + String(repeating: "0", count: -exponent - 1) + digits
        } else {
            let padded = digits + String(repeating: "0", count: max(0, exponent + 1 - digits.count))
            let point = exponent + 1
            out = String(padded.prefix(point))
            if padded.count > point { out += "." + padded.dropFirst(point) }
        }
        return (x < 0 ? "-" : "") + out
    }
}
