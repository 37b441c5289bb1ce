import Foundation

/// A data file that cannot be read: the file, the line, and what was expected there.
public struct FigureDataError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var reason: String

    public var description: String {
        "\(path):\(line): \(reason); regenerate it with `rederive make` (data files are written with their figures)"
    }
}

extension FigureData {
    /// Reads a data file's bytes (canonical or not: any valid JSON of the documented shape).
    public static func parse(_ bytes: [UInt8], path: String) throws(FigureDataError) -> FigureData {
        var reader = DataJSONReader(bytes: bytes, path: path)
        let root = try reader.document()
        let format = try root.string("format", path)
        guard format == Self.format else {
            throw FigureDataError(path: path, line: root.line, reason: "format '\(format ?? "null")' is not '\(Self.format)'")
        }
        var data = FigureData(suptitle: try root.string("suptitle", path), caption: try root.string("caption", path), panels: [])
        data.captionNumbers = try root.numbers("caption_numbers", path)
        for panel in try root.objects("panels", path) {
            var marks: [MarkData] = []
            for mark in try panel.objects("marks", path) {
                var arrays: [NumberArray] = []
                for (name, value) in mark.fields where !["kind", "label", "text"].contains(name) {
                    if case .object(let matrix) = value.value {
                        let shape = try matrix.numbers("shape", path).map { Int(exactly: $0) ?? -1 }
                        let values = try matrix.numbers("values", path)
                        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
                            throw FigureDataError(path: path, line: value.line, reason: "'\(name)' has shape \(shape) but \(values.count) values")
                        }
                        arrays.append(NumberArray(name, values, shape: shape))
                    } else {
                        arrays.append(NumberArray(name, try DataJSON.numbers(value, name, path)))
                    }
                }
                guard let kind = try mark.string("kind", path) else {
                    throw FigureDataError(path: path, line: mark.line, reason: "a mark needs a 'kind'")
                }
                marks.append(MarkData(kind: kind, label: try mark.string("label", path), text: try mark.string("text", path, optional: true), arrays: arrays))
            }
            data.panels.append(PanelData(row: try panel.int("row", path), column: try panel.int("column", path),
                                         title: try panel.string("title", path),
                                         x: try AxisData(try panel.object("x", path), path), y: try AxisData(try panel.object("y", path), path),
                                         marks: marks))
        }
        return data
    }
}

extension AxisData {
    init(_ object: DataJSON.Object, _ path: String) throws(FigureDataError) {
        let limits = try object.numbers("limits", path)
        guard limits.count == 2, let scale = try object.string("scale", path) else {
            throw FigureDataError(path: path, line: object.line, reason: "an axis needs 'scale' and two 'limits'")
        }
        self.init(label: try object.string("label", path), scale: scale, lower: limits[0], upper: limits[1])
    }
}

/// A parsed JSON value with the line it starts on.
struct DataJSON {
    indirect enum Value {
        case null, bool(Bool), number(Double), string(String), array([DataJSON]), object(Object)
        /// An array of numbers only (NaN and the infinities as their strings), read in one pass.
        case numbers([Double])
    }
    struct Object {
        var fields: [(String, DataJSON)]
        var line: Int

        func field(_ key: String, _ path: String, optional: Bool = false) throws(FigureDataError) -> DataJSON? {
            if let found = fields.first(where: { $0.0 == key }) { return found.1 }
            if optional { return nil }
            throw FigureDataError(path: path, line: line, reason: "the object here has no '\(key)'")
        }
        func string(_ key: String, _ path: String, optional: Bool = false) throws(FigureDataError) -> String? {
            guard let value = try field(key, path, optional: optional) else { return nil }
            switch value.value {
            case .null: return nil
            case .string(let s): return s
            default: throw FigureDataError(path: path, line: value.line, reason: "'\(key)' must be a string or null")
            }
        }
        func int(_ key: String, _ path: String) throws(FigureDataError) -> Int {
            guard let value = try field(key, path), case .number(let n) = value.value, let i = Int(exactly: n) else {
                throw FigureDataError(path: path, line: line, reason: "'\(key)' must be a whole number")
            }
            return i
        }
        func numbers(_ key: String, _ path: String) throws(FigureDataError) -> [Double] {
            guard let value = try field(key, path) else { return [] }
            return try DataJSON.numbers(value, key, path)
        }
        func object(_ key: String, _ path: String) throws(FigureDataError) -> Object {
            guard let value = try field(key, path), case .object(let o) = value.value else {
                throw FigureDataError(path: path, line: line, reason: "'\(key)' must be an object")
            }
            return o
        }
        func objects(_ key: String, _ path: String) throws(FigureDataError) -> [Object] {
            guard let value = try field(key, path), case .array(let items) = value.value else {
                throw FigureDataError(path: path, line: line, reason: "'\(key)' must be an array")
            }
            var objects: [Object] = []
            for item in items {
                guard case .object(let o) = item.value else {
                    throw FigureDataError(path: path, line: item.line, reason: "'\(key)' must hold objects")
                }
                objects.append(o)
            }
            return objects
        }
    }

    var value: Value
    var line: Int

    /// An array of numbers, with "NaN", "Infinity" and "-Infinity" as their strings.
    static func numbers(_ value: DataJSON, _ key: String, _ path: String) throws(FigureDataError) -> [Double] {
        if case .numbers(let numbers) = value.value { return numbers }
        guard case .array(let items) = value.value else {
            throw FigureDataError(path: path, line: value.line, reason: "'\(key)' must be an array of numbers")
        }
        var numbers: [Double] = []
        numbers.reserveCapacity(items.count)
        for item in items {
            switch item.value {
            case .number(let n): numbers.append(n)
            case .string("NaN"): numbers.append(.nan)
            case .string("Infinity"): numbers.append(.infinity)
            case .string("-Infinity"): numbers.append(-.infinity)
            default: throw FigureDataError(path: path, line: item.line, reason: "'\(key)' holds something that is not a number")
            }
        }
        return numbers
    }
}

/// A strict JSON reader that knows the line of every value, for errors a user can find.
struct DataJSONReader {
    let bytes: [UInt8]
    /// The bytes and a NUL: `strtod` stops there whatever the file's last bytes are.
    let terminated: [UInt8]
    let path: String
    var i = 0
    var line = 1

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.terminated = bytes + [0]
        self.path = path
    }

    mutating func document() throws(FigureDataError) -> DataJSON.Object {
        skipSpace()
        let root = try value(depth: 0)
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the JSON value") }
        guard case .object(let object) = root.value else {
            throw FigureDataError(path: path, line: root.line, reason: "a data file must hold one JSON object")
        }
        return object
    }

    func fail(_ reason: String) -> FigureDataError { FigureDataError(path: path, line: line, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 10 || bytes[i] == 13 || bytes[i] == 9 {
            if bytes[i] == 10 { line += 1 }
            i += 1
        }
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    mutating func value(depth: Int) throws(FigureDataError) -> DataJSON {
        guard depth < 64 else { throw fail("nested too deeply") }
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of the file") }
        let start = line
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var fields: [(String, DataJSON)] = []
            if expect(UInt8(ascii: "}")) { return DataJSON(value: .object(.init(fields: [], line: start)), line: start) }
            repeat {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
                let key = try string()
                guard expect(UInt8(ascii: ":")) else { throw fail("expected ':' after \"\(key)\"") }
                fields.append((key, try value(depth: depth + 1)))
            } while expect(UInt8(ascii: ","))
            guard expect(UInt8(ascii: "}")) else { throw fail("expected ',' or '}'") }
            return DataJSON(value: .object(.init(fields: fields, line: start)), line: start)
        case UInt8(ascii: "["):
            i += 1
            var items: [DataJSON] = []
            if expect(UInt8(ascii: "]")) { return DataJSON(value: .array([]), line: start) }
            if let numbers = numberArray() { return DataJSON(value: .numbers(numbers), line: start) }
            repeat { items.append(try value(depth: depth + 1)) } while expect(UInt8(ascii: ","))
            guard expect(UInt8(ascii: "]")) else { throw fail("expected ',' or ']'") }
            return DataJSON(value: .array(items), line: start)
        case UInt8(ascii: "\""):
            return DataJSON(value: .string(try string()), line: start)
        default:
            return DataJSON(value: try literal(), line: start)
        }
    }

    /// The rest of an array (its `[` read) if it holds numbers only, else nil with nothing read.
    /// The hot path: a figure's data are mostly long arrays of numbers.
    mutating func numberArray() -> [Double]? {
        let (startI, startLine) = (i, line)
        var numbers: [Double] = []
        while true {
            skipSpace()
            guard i < bytes.count else { break }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let special: [(String, Double)] = [("\"NaN\"", .nan), ("\"Infinity\"", .infinity), ("\"-Infinity\"", -.infinity)]
                guard let (text, value) = special.first(where: { matches($0.0) }) else { break }
                i += text.utf8.count
                numbers.append(value)
            } else if (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") {
                guard let value = number() else { break }
                numbers.append(value)
            } else {
                break
            }
            if expect(UInt8(ascii: ",")) { continue }
            if expect(UInt8(ascii: "]")) { return numbers }
            break
        }
        (i, line) = (startI, startLine)
        return nil
    }

    func matches(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return i + utf8.count <= bytes.count && Array(bytes[i..<(i + utf8.count)]) == utf8
    }

    /// A JSON number at `i` (digits, '-', '.', 'e', '+' only), or nil.
    mutating func number() -> Double? {
        var end = i
        while end < bytes.count, case let c = bytes[end],
              (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            end += 1
        }
        guard end > i else { return nil }
        let value: Double? = terminated.withUnsafeBufferPointer { buffer in
            let start = UnsafeRawPointer(buffer.baseAddress! + i).assumingMemoryBound(to: CChar.self)
            var stop: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(start, &stop)
            // The whole token must be the number (no "1e", "--1"), and finite.
            guard let stop, UnsafeRawPointer(stop) - UnsafeRawPointer(start) == end - i, v.isFinite else { return nil }
            return v
        }
        guard let value else { return nil }
        i = end
        return value
    }

    /// A number, true, false or null.
    mutating func literal() throws(FigureDataError) -> DataJSON.Value {
        let from = i
        while i < bytes.count, !" \n\r\t,]}".utf8.contains(bytes[i]) { i += 1 }
        let word = String(decoding: bytes[from..<i], as: UTF8.self)
        switch word {
        case "null": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default:
            // JSON's number grammar: no leading '+', no bare '.', no hex or "nan".
            let allowed = word.allSatisfy { "0123456789+-.eE".contains($0) }
            guard allowed, word.first != "+", word.first != ".", let n = Double(word), n.isFinite else {
                throw fail(word.isEmpty ? "expected a value" : "'\(word.prefix(20))' is not a JSON value")
            }
            return .number(n)
        }
    }

    mutating func string() throws(FigureDataError) -> String {
        i += 1
        var scalars = String.UnicodeScalarView()
        var run = i
        func flush(_ end: Int) { scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars) }
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                flush(i)
                i += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(i)
                guard i + 1 < bytes.count else { throw fail("unfinished escape") }
                let escaped = bytes[i + 1]
                i += 2
                switch escaped {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
                        throw fail("bad \\u escape")
                    }
                    i += 4
                    // Surrogate pairs are not written by Rederive; a lone one becomes U+FFFD.
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(escaped))
                default: throw fail("bad escape '\\\(Character(Unicode.Scalar(escaped)))'")
                }
                run = i
            case 10:
                throw fail("a string runs past the end of its line")
            default:
                i += 1
            }
        }
        throw fail("unfinished string")
    }
}
