/// One cell of a data table, as Vega's loader would hold it: numbers from JSON or parsed CSV,
/// strings, booleans, null, and dates as milliseconds since 1970 UTC.
public enum DataValue: Equatable, Hashable, Sendable {
    case null
    case number(Double)
    case string(String)
    case bool(Bool)
    case date(Double)

    init(_ json: JSON) {
        switch json {
        case .null, .array, .object: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        }
    }

    /// The number Vega would use: JS `+value` for numbers, numeric strings, booleans and dates;
    /// nil for null, empty and non-numeric text.
    var number: Double? {
        switch self {
        case .number(let n): return n
        case .date(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s):
            guard let f = s.utf8.first, let l = s.utf8.last, f > 32, l > 32 else { return NumberParser.parse(s.trimmingSpaces) }
            return NumberParser.parse(s)
        case .null: return nil
        }
    }

    var isNull: Bool {
        if case .null = self { return true }
        if case .string(let s) = self, s.isEmpty { return true }
        return false
    }

    /// How a value reads as a category label or in a tooltip: numbers as JS prints them.
    var text: String {
        switch self {
        case .null: return "null"
        case .number(let n): return NumberText.js(n)
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .date(let d): return NumberText.js(d)
        }
    }

    /// Vega's ascending order for discrete domains: numbers by value before strings by code
    /// units; nulls last.
    static func ascending(_ a: DataValue, _ b: DataValue) -> Bool {
        switch (a.sortKey, b.sortKey) {
        case let (.some(.left(x)), .some(.left(y))): return x < y
        case let (.some(.right(x)), .some(.right(y))): return x.utf16.lexicographicallyPrecedes(y.utf16)
        case (.some(.left), .some(.right)): return true
        case (.some(.right), .some(.left)): return false
        case (.some, .none): return true
        default: return false
        }
    }

    private enum Either { case left(Double), right(String) }
    private var sortKey: Either? {
        switch self {
        case .null: return nil
        case .number(let n): return .left(n)
        case .date(let d): return .left(d)
        case .bool(let b): return .left(b ? 1 : 0)
        case .string(let s): return .right(s)
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
