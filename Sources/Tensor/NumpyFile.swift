import AtomicFiles

/// NumPy's `.npy` format: a magic string, a version, a Python-literal header dict, then the
/// raw elements. Rederive writes version 1.0 exactly as `numpy.save` does (header padded with
/// spaces and a newline to a multiple of 64 bytes), so the bytes match NumPy's.
public enum NumpyFile {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// The files' name extension, the one spelling of it (analysis folders name their arrays
    /// through `AnalysisFolder`).
    public static let suffix = ".npy"

    /// The bytes of an `.npy` file holding `array`.
    public static func encode(_ array: NDArray) -> [UInt8] {
        let shape = array.shape
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(array.dtype.numpyDescr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // magic (6) + version (2) + length (2) + header + '\n', padded to 64
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = magic + [1, 0]
        let length = UInt16(header.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes += array.littleEndianBytes
        return bytes
    }

    /// Writes `array` to `path` atomically.
    public static func write(_ array: NDArray, to path: String) throws(ArrayFileError) {
        do { try AtomicFile.write(encode(array), to: path) } catch { throw .io(error) }
    }

    /// Writes a float tensor to `path` atomically.
    public static func write(_ tensor: Tensor, to path: String) throws(ArrayFileError) {
        try write(.float32(tensor), to: path)
    }

    /// Reads an `.npy` file of float32, int32 or int64 in C order.
    public static func read(_ path: String) throws(ArrayFileError) -> NDArray {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path) } catch { throw .io(error) }
        return try decode(bytes, path: path)
    }

    /// Reads an `.npy` file that must hold float32.
    public static func readTensor(_ path: String) throws(ArrayFileError) -> Tensor {
        let array = try read(path)
        guard let tensor = array.tensor else {
            throw .unknownDType(path: path, dtype: "\(array.dtype.numpyDescr) where <f4 was expected")
        }
        return tensor
    }

    /// Parses the bytes of an `.npy` file; `path` names it in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws(ArrayFileError) -> NDArray {
        guard bytes.count >= 10 else { throw .truncated(path: path, expectedBytes: 10, actualBytes: bytes.count) }
        guard Array(bytes[0..<6]) == magic else {
            throw .badHeader(path: path, reason: "missing the \\x93NUMPY magic string; not an .npy file")
        }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncated(path: path, expectedBytes: 12, actualBytes: bytes.count) }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default:
            throw .badHeader(path: path, reason: "unsupported format version \(major).\(bytes[7])")
        }
        guard bytes.count >= headerStart + headerLength else {
            throw .truncated(path: path, expectedBytes: headerStart + headerLength, actualBytes: bytes.count)
        }
        guard let header = String(bytes: bytes[headerStart..<headerStart + headerLength], encoding: .utf8) else {
            throw .badHeader(path: path, reason: "header is not text")
        }
        let fields = try parseHeader(header, path: path)
        guard let dtype = DType.allCases.first(where: { $0.numpyDescr == fields.descr }) else {
            throw .unknownDType(path: path, dtype: fields.descr)
        }
        guard !fields.fortranOrder else {
            throw .badHeader(path: path, reason: "Fortran order is not supported; save with np.ascontiguousarray")
        }
        let dataStart = headerStart + headerLength
        let available = bytes.count - dataStart
        // Too few bytes is reported as a shape mismatch too: the data cannot tell a file cut
        // short from a header whose shape is wrong, and the message names both.
        guard let expected = byteCount(shape: fields.shape, elementSize: dtype.size), available == expected else {
            throw .shapeMismatch(path: path, name: nil, shape: fields.shape, byteCount: available)
        }
        return bytes.withUnsafeBytes { raw in
            NDArray.decode(dtype: dtype, shape: fields.shape,
                           bytes: UnsafeRawBufferPointer(rebasing: raw[dataStart...]))
        }
    }

    /// The bytes `shape` takes, or nil if that overflows.
    static func byteCount(shape: [Int], elementSize: Int) -> Int? {
        var total = elementSize
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// Reads the three keys of the header dict; a tiny parser for the subset NumPy writes.
    static func parseHeader(_ header: String, path: String) throws(ArrayFileError) -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func value(after key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].drop(while: { $0 == " " })
        }
        guard let descrText = value(after: "descr"), descrText.first == "'",
              let descrEnd = descrText.dropFirst().firstIndex(of: "'") else {
            throw .badHeader(path: path, reason: "no 'descr' in header \(header.debugDescription)")
        }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<descrEnd])
        guard let orderText = value(after: "fortran_order"),
              orderText.hasPrefix("False") || orderText.hasPrefix("True") else {
            throw .badHeader(path: path, reason: "no 'fortran_order' in header \(header.debugDescription)")
        }
        guard let shapeText = value(after: "shape"), shapeText.first == "(",
              let close = shapeText.firstIndex(of: ")") else {
            throw .badHeader(path: path, reason: "no 'shape' tuple in header \(header.debugDescription)")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dimension = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), dimension >= 0 else {
                throw .badHeader(path: path, reason: "bad dimension '\(trimmed)' in shape")
            }
            shape.append(dimension)
        }
        return (descr, orderText.hasPrefix("True"), shape)
    }
}

import Foundation
