/// NumPy `.npy` arrays as tables. A minimal reader of its own rather than Tensor's `NumpyFile`:
/// the design keeps VegaLite depending on Plot alone (not the numeric stack), and a spec's data
/// needs only the header and little-endian numbers of the common dtypes (f4, f8, i1-i8, u1-u8,
/// b1), C order. A 1-D array is one column; an N-D array is long form, one record per element,
/// with columns i0, i1, …, value (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
enum NpyReader {
    struct Array {
        var shape: [Int]
        var values: [Double]
    }

    static func read(_ bytes: [UInt8]) throws(VegaLiteError) -> Array {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Swift.Array(bytes[0..<6]) == magic else { throw .data(.malformed, "not a NumPy .npy file") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw .data(.malformed, "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; headerStart = 12
        }
        guard headerLength >= 0, headerStart + headerLength <= bytes.count else { throw .data(.malformed, "truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<headerStart + headerLength], as: UTF8.self)
        guard let descr = quoted(after: "'descr'", in: header) else { throw .data(.malformed, ".npy header has no descr") }
        if header.contains("'fortran_order': True") { throw .data(.unsupported, "Fortran-ordered .npy arrays are not supported") }
        let shape = try parseShape(header)
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard let (width, decode) = decoder(descr) else {
            throw .data(.unsupported, ".npy dtype '\(descr)' is not supported (supported: <f4, <f8, integers, |b1)")
        }
        let dataStart = headerStart + headerLength
        guard count < Int.max / 16, bytes.count - dataStart >= count * width else {
            throw .data(.malformed, ".npy data is shorter than its shape \(shape) says")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for k in 0..<count { values[k] = decode(raw, dataStart + k * width) }
        }
        return Array(shape: shape, values: values)
    }

    static func quoted(after key: String, in header: String) -> String? {
        guard let r = header.range(of: key) else { return nil }
        let rest = header[r.upperBound...]
        guard let open = rest.firstIndex(of: "'") else { return nil }
        let after = rest[rest.index(after: open)...]
        guard let close = after.firstIndex(of: "'") else { return nil }
        return String(after[..<close])
    }

    static func parseShape(_ header: String) throws(VegaLiteError) -> [Int] {
        guard let r = header.range(of: "'shape'"), let open = header[r.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { throw .data(.malformed, ".npy header has no shape") }
        let inner = header[header.index(after: open)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: " L")
            if t.isEmpty { continue }
            guard let v = Int(t), v >= 0 else { throw .data(.malformed, ".npy shape '\(inner)' is not a list of sizes") }
            shape.append(v)
        }
        return shape
    }

    typealias Decode = (UnsafeRawBufferPointer, Int) -> Double

    static func decoder(_ descr: String) -> (Int, Decode)? {
        switch descr {
        case "<f4", "=f4": return (4, { Double(Float(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self).littleEndian)) })
        case "<f8", "=f8": return (8, { Double(bitPattern: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self).littleEndian) })
        case "<i4", "=i4": return (4, { Double(Int32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int32.self))) })
        case "<i8", "=i8": return (8, { Double(Int64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int64.self))) })
        case "<i2", "=i2": return (2, { Double(Int16(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: Int16.self))) })
        case "|i1": return (1, { Double(Int8(bitPattern: $0[$1])) })
        case "|u1", "|b1": return (1, { Double($0[$1]) })
        case "<u2": return (2, { Double(UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt16.self))) })
        case "<u4": return (4, { Double(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt32.self))) })
        case "<u8": return (8, { Double(UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: $1, as: UInt64.self))) })
        default: return nil
        }
    }

    /// The table of an array: 1-D gives one column `valueName`; N-D gives `indexNames` + value.
    static func table(_ array: Array, valueName: String, indexNames: [String]?) -> DataTable {
        let dims = array.shape.count
        let count = array.values.count
        if dims <= 1 {
            return DataTable(columns: [valueName], count: count, values: [valueName: array.values.map(DataValue.number)])
        }
        let names = (0..<dims).map { k in indexNames.flatMap { k < $0.count ? $0[k] : nil } ?? "i\(k)" }
        // C order: index k runs in blocks of `inner` (the product of the later dimensions).
        // Where names repeat, the index columns win over the value and later ones over earlier
        // ones, as when a row object was filled in that order.
        var values: [String: [DataValue?]] = [valueName: array.values.map(DataValue.number)]
        var indexed = Set<String>()
        var inner = 1
        for k in (0..<dims).reversed() {
            let size = array.shape[k], block = inner
            if indexed.insert(names[k]).inserted {
                values[names[k]] = (0..<count).map { .number(Double(($0 / block) % max(size, 1))) }
            }
            // With no elements nothing is indexed (and a zero beside huge sizes must not overflow).
            if count > 0 { inner *= size }
        }
        return DataTable(columns: names + [valueName], count: count, values: values)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
