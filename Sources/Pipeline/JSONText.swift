import JSONQuoting

/// A small deterministic JSON writer and reader for the lock file and the engine's caches.
///
/// Why not Foundation: `JSONSerialization` turns `1.0` into the number `1` (so a double param
/// would read back as an int and every stage would look changed), and `JSONEncoder` does not
/// promise key order. This writer sorts keys and prints numbers in round-trip form; the reader
/// keeps ints and doubles apart. It is also fast enough for a no-op `make` on 1000 stages.
enum JSONText {
    static func write(_ value: ParamValue, into out: inout String, indent: String?, level: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            // JSON has no NaN/Infinity: store them as strings that read back as the same double.
            if d.isFinite { out += ParamValue.format(d) } else { appendJSONQuoted("\u{0}double:" + ParamValue.format(d), to: &out) }
        case .string(let s): appendJSONQuoted(s, to: &out)
        case .list(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += indent == nil ? "," : ", " }
                write(item, into: &out, indent: nil, level: level + 1)
            }
            out += "]"
        case .map(let map):
            if map.isEmpty { out += "{}"; return }
            let keys = map.keys.sorted()
            out += "{"
            for (i, key) in keys.enumerated() {
                if i > 0 { out += "," }
                if let indent { out += "\n" + String(repeating: indent, count: level + 1) }
                appendJSONQuoted(key, to: &out)
                out += indent == nil ? ":" : ": "
                write(map[key]!, into: &out, indent: indent, level: level + 1)
            }
            if let indent { out += "\n" + String(repeating: indent, count: level) }
            out += "}"
        }
    }

    struct SyntaxError: Error {
        var offset: Int
        var message: String
    }

    /// Parses JSON text into a `ParamValue`. Numbers with `.`, `e` or `E` are doubles.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> ParamValue {
        var parser = Parser(bytes: bytes)
        let value = try parser.value()
        parser.skipSpace()
        if parser.position != bytes.count { throw SyntaxError(offset: parser.position, message: "trailing characters") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count, bytes[position] == 32 || bytes[position] == 10 || bytes[position] == 13 || bytes[position] == 9 {
                position += 1
            }
        }

        mutating func value() throws(SyntaxError) -> ParamValue {
            skipSpace()
            guard position < bytes.count else { throw SyntaxError(offset: position, message: "unexpected end") }
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                var map = [String: ParamValue]()
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .map(map) }
                while true {
                    skipSpace()
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    map[key] = try value()
                    skipSpace()
                    guard position < bytes.count else { throw SyntaxError(offset: position, message: "unterminated object") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    return .map(map)
                }
            case UInt8(ascii: "["):
                position += 1
                var items = [ParamValue]()
                skipSpace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .list(items) }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard position < bytes.count else { throw SyntaxError(offset: position, message: "unterminated array") }
                    if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    return .list(items)
                }
            case UInt8(ascii: "\""):
                let s = try string()
                if s.hasPrefix("\u{0}double:"), let d = Double(s.dropFirst(8)) { return .double(d) }
                if s == "\u{0}double:NaN" { return .double(.nan) }
                if s == "\u{0}double:Infinity" { return .double(.infinity) }
                if s == "\u{0}double:-Infinity" { return .double(-.infinity) }
                return .string(s)
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            guard position < bytes.count, bytes[position] == byte else {
                throw SyntaxError(offset: position, message: "expected '\(Character(Unicode.Scalar(byte)))'")
            }
            position += 1
        }

        mutating func literal(_ word: String) throws(SyntaxError) {
            for byte in word.utf8 { try expect(byte) }
        }

        mutating func number() throws(SyntaxError) -> ParamValue {
            let start = position
            var isDouble = false
            while position < bytes.count {
                let c = bytes[position]
                if (c >= 48 && c <= 57) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { position += 1; continue }
                if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isDouble = true; position += 1; continue }
                break
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            if !isDouble, let i = Int(text) { return .int(i) }
            if let d = Double(text) { return .double(d) }
            throw SyntaxError(offset: start, message: "invalid value")
        }

        mutating func string() throws(SyntaxError) -> String {
            try expect(UInt8(ascii: "\""))
            var out = [UInt8]()
            while position < bytes.count {
                let c = bytes[position]
                position += 1
                if c == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if c != UInt8(ascii: "\\") { out.append(c); continue }
                guard position < bytes.count else { break }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(10)
                case UInt8(ascii: "r"): out.append(13)
                case UInt8(ascii: "t"): out.append(9)
                case UInt8(ascii: "b"): out.append(8)
                case UInt8(ascii: "f"): out.append(12)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16) else {
                        throw SyntaxError(offset: position, message: "invalid \\u escape")
                    }
                    position += 4
                    var scalarValue = code
                    if (0xD800..<0xDC00).contains(code), position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"),
                       let low = UInt32(String(decoding: bytes[position + 2..<position + 6], as: UTF8.self), radix: 16) {
                        scalarValue = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        position += 6
                    }
                    out.append(contentsOf: Array(String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8))
                default: out.append(escaped)
                }
            }
            throw SyntaxError(offset: position, message: "unterminated string")
        }
    }
}

extension ParamValue {
    /// The value as one line of JSON, keys sorted: what the command line's `--json` prints.
    public var jsonLine: String {
        var out = ""
        JSONText.write(self, into: &out, indent: nil, level: 0)
        return out
    }
}
