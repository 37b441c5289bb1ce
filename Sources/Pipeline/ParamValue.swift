/// A parameter value as written in a pipeline file, an override or the lock file.
///
/// Numbers keep their kind (an `int` never equals a `double`), so `steps: 4000` and
/// `steps: 4000.0` are different parameters. Maps compare by content; their canonical text sorts
/// keys, which is what the lock file records and what fingerprints compare.
public enum ParamValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ParamValue])
    case map([String: ParamValue])

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .list: "a list"
        case .map: "a map"
        }
    }

    /// The value as it appears inside a string or a stage name: `3`, `0.0001`, `none`, `[1,2]`.
    public var text: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): ParamValue.format(d)
        case .bool(let b): b ? "true" : "false"
        case .null: "null"
        case .list, .map: canonicalJSON
        }
    }

    /// Compact JSON with sorted keys: the canonical form fingerprints compare.
    public var canonicalJSON: String {
        var out = ""
        JSONText.write(self, into: &out, indent: nil, level: 0)
        return out
    }

    /// Doubles print in their shortest round-trip form, always with a `.` or an exponent so that
    /// reading the text back gives a double again, never an int.
    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        let s = d.description
        return s
    }

    /// Types a plain (unquoted) YAML scalar the way YAML 1.2's core schema does, without regular
    /// expressions: `null`/`~`/empty, `true`/`false`, integers, floats; anything else is a string.
    /// (YAML 1.1's `yes`/`no`/`on`/`off` stay strings on purpose: `pos: none` must not surprise.)
    public static func typingPlainScalar(_ text: String) -> ParamValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        guard let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
                || first == UInt8(ascii: ".") || (first >= 48 && first <= 57) else { return .string(text) }
        if let i = Int(text) { return .int(i) }
        if text.hasPrefix("0x"), let i = Int(text.dropFirst(2), radix: 16) { return .int(i) }
        if text.hasPrefix("0o"), let i = Int(text.dropFirst(2), radix: 8) { return .int(i) }
        // Float: digits with optional fraction and exponent; Double(_:) alone would accept "nan", "0x1p3".
        var sawDigit = false
        for (index, c) in text.utf8.enumerated() {
            switch c {
            case 48...57: sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): continue
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                if index == 0 { continue }
                let previous = text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: index - 1)]
                if previous == UInt8(ascii: "e") || previous == UInt8(ascii: "E") { continue }
                return .string(text)
            default: return .string(text)
            }
        }
        if sawDigit, let d = Double(text) { return .double(d) }
        return .string(text)
    }
}

extension ParamValue: CustomStringConvertible {
    public var description: String { text }
}
