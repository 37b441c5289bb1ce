/// A parsed JSON (or YAML) value. Objects keep their keys in document order, so nothing that
/// reaches a figure depends on hashing order.
public enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public subscript(key: String) -> JSON? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.key == key }?.value
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var number: Double? { if case .number(let n) = self { return n }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var object: [(key: String, value: JSON)]? { if case .object(let o) = self { return o }; return nil }
    public var keys: [String] { object?.map(\.key) ?? [] }
}

/// A JSON value and where it sits in the spec, for error messages that name its JSON path
/// (RFC 6901 style, `/encoding/x/field`).
struct Node: Sendable {
    let value: JSON
    let path: String

    init(_ value: JSON, path: String = "") {
        self.value = value
        self.path = path
    }

    subscript(key: String) -> Node? {
        value[key].map { Node($0, path: path + "/" + key) }
    }

    var elements: [Node] {
        (value.array ?? []).enumerated().map { Node($1, path: path + "/\($0)") }
    }

    var members: [(key: String, node: Node)] {
        (value.object ?? []).map { ($0.key, Node($0.value, path: path + "/" + $0.key)) }
    }

    var displayPath: String { path.isEmpty ? "/" : path }

    func string() throws(VegaLiteError) -> String {
        guard let s = value.string else { throw .spec(path: displayPath, "expected a string") }
        return s
    }

    func number() throws(VegaLiteError) -> Double {
        guard let n = value.number else { throw .spec(path: displayPath, "expected a number") }
        return n
    }

    func bool() throws(VegaLiteError) -> Bool {
        guard let b = value.bool else { throw .spec(path: displayPath, "expected true or false") }
        return b
    }

    func object() throws(VegaLiteError) -> [(key: String, node: Node)] {
        guard value.object != nil else { throw .spec(path: displayPath, "expected an object") }
        return members
    }

    /// Throws for any key not in `known`: a spec property we do not draw must not be ignored.
    func allowOnly(_ known: Set<String>, what: String) throws(VegaLiteError) {
        for (key, node) in members where !known.contains(key) {
            throw .unsupported(path: node.path, "\(what) property '\(key)' is not supported (supported: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
