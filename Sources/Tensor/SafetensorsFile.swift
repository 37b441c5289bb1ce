import AtomicFiles
import Foundation
import JSONQuoting

/// A safetensors file: named arrays plus a string-to-string `__metadata__` map.
///
/// Layout: an 8-byte little-endian header length, a JSON header, then the arrays' bytes. The
/// writer lays arrays out as the Python `safetensors` package does (larger dtypes first, then
/// by name; header padded with spaces to 8 bytes), so files match it byte for byte when the
/// metadata has at most one key (Python keeps metadata in a hash map; Rederive sorts the keys).
public struct SafetensorsFile: Equatable, Sendable {
    public var arrays: [String: NDArray]
    public var metadata: [String: String]
    /// Names of BOOL tensors (PyTorch's attention-mask buffers), skipped when reading: no
    /// model parameter is boolean.
    public var skippedBoolTensors: [String] = []
    /// The F16 and BF16 tensors (a half-precision PyTorch model) by name, with the format each
    /// was stored in; read exactly as float32 (see `HalfPrecision`), written back as F32.
    public var widenedTensors: [String: HalfPrecision.Format] = [:]

    public init(arrays: [String: NDArray] = [:], metadata: [String: String] = [:]) {
        self.arrays = arrays
        self.metadata = metadata
    }

    /// The float tensor called `name`, or a `missingTensor` error naming `path`.
    public func tensor(_ name: String, path: String) throws(ArrayFileError) -> Tensor {
        guard let array = arrays[name] else { throw .missingTensor(path: path, name: name) }
        guard let tensor = array.tensor else {
            throw .unknownDType(path: path, dtype: "\(array.dtype.safetensorsName) for '\(name)' where F32 was expected")
        }
        return tensor
    }

    // MARK: Writing

    /// The file's bytes.
    public func encoded() -> [UInt8] {
        // Python's order: dtype rank descending (I64 > F32 > I32), then name.
        func rank(_ dtype: DType) -> Int { switch dtype { case .int64: 2; case .float32: 1; case .int32: 0 } }
        let names = arrays.keys.sorted { lhs, rhs in
            let (l, r) = (rank(arrays[lhs]!.dtype), rank(arrays[rhs]!.dtype))
            return l != r ? l > r : lhs < rhs
        }
        var header = "{"
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0]!))" }
            header += "\"__metadata__\":{" + entries.joined(separator: ",") + "}"
        }
        var offset = 0
        var data = [UInt8]()
        for name in names {
            let array = arrays[name]!
            let bytes = array.littleEndianBytes
            if header.count > 1 { header += "," }
            header += "\(jsonQuoted(name)):{\"dtype\":\"\(array.dtype.safetensorsName)\",\"shape\":["
                + array.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(offset + bytes.count)]}"
            offset += bytes.count
            data += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + data.count)
        var length = UInt64(headerBytes.count).littleEndian
        withUnsafeBytes(of: &length) { out += $0 }
        out += headerBytes
        out += data
        return out
    }

    /// Writes the file atomically.
    public func write(to path: String) throws(ArrayFileError) {
        do { try AtomicFile.write(encoded(), to: path) } catch { throw .io(error) }
    }

    // MARK: Reading

    public static func read(_ path: String) throws(ArrayFileError) -> SafetensorsFile {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .io(error) }
        return try decode(bytes, path: path)
    }

    /// The format's limit on the JSON header (the reference implementation's `MAX_HEADER_SIZE`).
    public static let maximumHeaderBytes = 100_000_000

    /// Parses a safetensors file's bytes strictly, as the format's specification asks: a header
    /// of at most 100 MB of UTF-8 JSON, and tensors whose byte ranges, taken in order, tile the
    /// data exactly: no gaps, no overlaps, nothing after the last. `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws(ArrayFileError) -> SafetensorsFile {
        let (entries, dataStart) = try header(bytes, path: path)
        var file = SafetensorsFile()
        let dataLength = bytes.count - dataStart
        var extents = [Extent]()
        for (name, entry) in entries {
            if name == "__metadata__" {
                guard let metadata = entry as? [String: String] else {
                    throw .badHeader(path: path, reason: "__metadata__ must map strings to strings")
                }
                file.metadata = metadata
                continue
            }
            guard let extent = try Extent(name: name, entry: entry, path: path, dataStart: dataStart, fileSize: bytes.count) else {
                file.skippedBoolTensors.append(name)
                continue
            }
            extents.append(extent)
        }
        try checkTiling(&extents, dataLength: dataLength, path: path)
        for extent in extents {
            file.arrays[extent.name] = bytes.withUnsafeBytes { raw in
                let elements = UnsafeRawBufferPointer(rebasing: raw[(dataStart + extent.begin)..<(dataStart + extent.end)])
                guard let half = extent.half else { return NDArray.decode(dtype: extent.dtype, shape: extent.shape, bytes: elements) }
                return .float32(Tensor(shape: extent.shape, scalars: HalfPrecision.widen(elements, format: half)))
            }
            if let half = extent.half { file.widenedTensors[extent.name] = half }
        }
        return file
    }

    /// The header's JSON object and where the data begins, with the length, UTF-8 and
    /// strictness checks.
    private static func header(_ bytes: [UInt8], path: String) throws(ArrayFileError) -> (entries: [String: Any], dataStart: Int) {
        guard bytes.count >= 8 else { throw .truncated(path: path, expectedBytes: 8, actualBytes: bytes.count) }
        let headerLength = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[$1]) << (8 * UInt64($1)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw .badHeader(path: path, reason: "header length \(headerLength) exceeds the format's 100 MB limit; not a safetensors file")
        }
        let dataStart = 8 + Int(headerLength)
        guard bytes.count >= dataStart else {
            throw .truncated(path: path, expectedBytes: dataStart, actualBytes: bytes.count)
        }
        let headerBytes = bytes[8..<dataStart]
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw .badHeader(path: path, reason: "header is not UTF-8 text")
        }
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw .badHeader(path: path, reason: "header does not start with '{'")
        }
        if let problem = strictnessProblem(headerBytes) { throw .badHeader(path: path, reason: problem) }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw .badHeader(path: path, reason: "header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else {
            throw .badHeader(path: path, reason: "header is not a JSON object")
        }
        return (entries, dataStart)
    }

    /// One tensor's header entry: its type, shape and byte range within the data.
    private struct Extent {
        var name: String
        var begin: Int, end: Int
        var dtype: DType
        var half: HalfPrecision.Format?
        var shape: [Int]

        /// Nil for a BOOL tensor, which is skipped (the model holds none). The data of a file of
        /// `fileSize` bytes begins at `dataStart`.
        init?(name: String, entry: Any, path: String, dataStart: Int, fileSize: Int) throws(ArrayFileError) {
            guard let info = entry as? [String: Any],
                  let dtypeName = info["dtype"] as? String,
                  let shapeValues = info["shape"] as? [Any],
                  let offsetValues = info["data_offsets"] as? [Any], offsetValues.count == 2 else {
                throw .badHeader(path: path, reason: "tensor '\(name)' needs dtype, shape and two data_offsets")
            }
            if dtypeName == "BOOL" { return nil }
            let half = HalfPrecision.Format(rawValue: dtypeName)
            guard let dtype = half == nil ? DType.allCases.first(where: { $0.safetensorsName == dtypeName }) : .float32 else {
                throw .unknownDType(path: path, dtype: dtypeName)
            }
            let shape = try shapeValues.map { value throws(ArrayFileError) -> Int in
                guard let dimension = SafetensorsFile.integer(value), dimension >= 0 else {
                    throw .badHeader(path: path, reason: "tensor '\(name)' has a bad shape")
                }
                return dimension
            }
            guard let begin = SafetensorsFile.integer(offsetValues[0]), let end = SafetensorsFile.integer(offsetValues[1]), begin >= 0, end >= begin else {
                throw .badHeader(path: path, reason: "tensor '\(name)' has bad data_offsets")
            }
            guard end <= fileSize - dataStart else { throw .truncated(path: path, expectedBytes: dataStart + end, actualBytes: fileSize) }
            guard NumpyFile.byteCount(shape: shape, elementSize: half == nil ? dtype.size : 2) == end - begin else {
                throw .shapeMismatch(path: path, name: name, shape: shape, byteCount: end - begin)
            }
            (self.name, self.begin, self.end, self.dtype, self.half, self.shape) = (name, begin, end, dtype, half, shape)
        }
    }

    /// In order of offset (then name, for empty tensors), each tensor must start where the last
    /// ended, and the last end where the data does. Sorts `extents` so.
    private static func checkTiling(_ extents: inout [Extent], dataLength: Int, path: String) throws(ArrayFileError) {
        extents.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        for extent in extents {
            guard extent.begin == position else {
                throw .badLayout(path: path, reason: extent.begin < position
                    ? "tensor '\(extent.name)' overlaps the one before it at byte \(extent.begin) of the data"
                    : "\(extent.begin - position) unused bytes before tensor '\(extent.name)'; data_offsets must be contiguous")
            }
            position = extent.end
        }
        guard position == dataLength else {
            throw .badLayout(path: path, reason: "\(dataLength - position) bytes after the last tensor's data")
        }
    }

    /// What JSONSerialization would silently accept but the format forbids: a tensor named twice
    /// (it keeps one of them) and a number with a fraction or exponent (`17792.0` bridges to an
    /// integer). The header holds numbers only in shapes and offsets, so any such number is one.
    static func strictnessProblem(_ header: ArraySlice<UInt8>) -> String? {
        var depth = 0, inString = false, escaped = false, tokenStart = header.startIndex
        var keys = Set<[UInt8]>(), expectKey = false
        var index = header.startIndex
        while index < header.endIndex {
            let byte = header[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if expectKey && depth == 1 {
                        guard keys.insert(Array(header[tokenStart..<index])).inserted else {
                            return "the name '\(String(decoding: header[tokenStart..<index], as: UTF8.self))' appears twice"
                        }
                    }
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true; tokenStart = index + 1
                case UInt8(ascii: "{"): depth += 1; expectKey = true
                case UInt8(ascii: "["): depth += 1; expectKey = false
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1; expectKey = false
                case UInt8(ascii: ","): expectKey = depth == 1
                case UInt8(ascii: ":"): expectKey = false
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"):
                    // After a digit: a fraction or an exponent. (The e of true or false is not.)
                    if index > header.startIndex && (48...57).contains(header[index - 1]) {
                        return "a shape or data offset is not a whole number (\(number(around: index, in: header))); write integers"
                    }
                default: break
                }
            }
            index += 1
        }
        return nil
    }

    /// The number token that holds `index`, for an error message.
    private static func number(around index: Int, in header: ArraySlice<UInt8>) -> String {
        func isNumeric(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || b == 46 || b == 45 || b == 43 || b == 101 || b == 69 }
        var start = index, end = index
        while start > header.startIndex, isNumeric(header[start - 1]) { start -= 1 }
        while end < header.endIndex, isNumeric(header[end]) { end += 1 }
        return String(decoding: header[start..<end], as: UTF8.self)
    }

    fileprivate static func integer(_ value: Any) -> Int? {
        value as? Int  // nil for 2.5 or "2": JSON numbers bridge to Int only when exact
    }
}
