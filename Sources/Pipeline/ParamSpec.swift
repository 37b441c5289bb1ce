/// A param a stage kind takes: its name, type and range, checked before anything runs so that a
/// typo (`stpes: 10`) or a wrong type fails `make --dry-run` at the pipeline file's line.
public struct ParamSpec: Sendable {
    public enum ValueType: Sendable {
        case int(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case bool
        case string
        /// Any value; a further check (`StageRunner.validate`) may look closer.
        case any
    }

    public var name: String
    public var type: ValueType

    public init(_ name: String, _ type: ValueType) {
        self.name = name
        self.type = type
    }

    /// Why `value` does not fit, or nil.
    public func problem(with value: ParamValue) -> String? {
        switch (type, value) {
        case (.int(let range), .int(let i)):
            return range.contains(i) ? nil : "param '\(name)' must be in \(range.lowerBound)...\(range.upperBound), found \(i)"
        case (.number(let range), .int(let i)) where range.contains(Double(i)): return nil
        case (.number(let range), .double(let d)):
            return range.contains(d) ? nil : "param '\(name)' must be in \(ParamValue.format(range.lowerBound))...\(ParamValue.format(range.upperBound)), found \(ParamValue.format(d))"
        case (.bool, .bool), (.string, .string), (.any, _): return nil
        case (.int, _): return "param '\(name)' must be an integer, found \(value.typeName)"
        case (.number, _): return "param '\(name)' must be a number, found \(value.typeName)"
        case (.bool, _): return "param '\(name)' must be true or false, found \(value.typeName)"
        case (.string, _): return "param '\(name)' must be a string, found \(value.typeName)"
        }
    }
}

/// "Did you mean" for a misspelt name: the closest candidate within a third of its length.
public enum NameSuggestion {
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let limit = max(2, name.count / 3)
        let scored = candidates.map { ($0, distance(name, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    /// `; did you mean 'x'?` or nothing.
    public static func hint(for name: String, in candidates: [String]) -> String {
        closest(to: name, in: candidates).map { "did you mean '\($0)'? " } ?? ""
    }

    /// Levenshtein distance, with a swap of two neighbours counting as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var rows = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { rows[i][0] = i }
        for j in 0...b.count { rows[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                var d = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, rows[i - 2][j - 2] + 1) }
                rows[i][j] = d
            }
        }
        return rows[a.count][b.count]
    }
}
