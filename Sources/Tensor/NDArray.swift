/// The element types Rederive reads and writes in `.npy` and safetensors files.
public enum DType: String, Sendable, CaseIterable {
    case float32, int32, int64

    /// Bytes per element.
    public var size: Int { self == .int64 ? 8 : 4 }
    /// NumPy's descr string (little-endian).
    public var numpyDescr: String {
        switch self { case .float32: "<f4"; case .int32: "<i4"; case .int64: "<i8" }
    }
    /// The safetensors dtype name.
    public var safetensorsName: String {
        switch self { case .float32: "F32"; case .int32: "I32"; case .int64: "I64" }
    }
}

/// A typed n-dimensional array as stored in a file: `Float` tensors, and the integer arrays
/// (tokens, positions, steps) that sit beside them.
public enum NDArray: Equatable, Sendable {
    case float32(Tensor)
    case int32(shape: [Int], values: [Int32])
    case int64(shape: [Int], values: [Int64])

    public var dtype: DType {
        switch self { case .float32: .float32; case .int32: .int32; case .int64: .int64 }
    }

    public var shape: [Int] {
        switch self {
        case .float32(let t): t.shape
        case .int32(let shape, _), .int64(let shape, _): shape
        }
    }

    /// The float tensor, or nil for integer arrays.
    public var tensor: Tensor? {
        if case .float32(let t) = self { return t }
        return nil
    }

    /// The elements as `Int`s, or nil for float arrays.
    public var integers: [Int]? {
        switch self {
        case .float32: nil
        case .int32(_, let values): values.map(Int.init)
        case .int64(_, let values): values.map(Int.init)
        }
    }

    /// The raw little-endian bytes of the elements.
    public var littleEndianBytes: [UInt8] {
        switch self {
        case .float32(let t): t.scalars.withUnsafeBytes { Array($0) }
        case .int32(_, let v): v.withUnsafeBytes { Array($0) }
        case .int64(_, let v): v.withUnsafeBytes { Array($0) }
        }
    }

    /// Decodes little-endian element bytes; the caller has checked the count.
    static func decode(dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) -> NDArray {
        let count = shape.reduce(1, *)
        switch dtype {
        case .float32:
            var scalars = [Float](repeating: 0, count: count)
            scalars.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
            return .float32(Tensor(shape: shape, scalars: scalars))
        case .int32:
            var values = [Int32](repeating: 0, count: count)
            values.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
            return .int32(shape: shape, values: values)
        case .int64:
            var values = [Int64](repeating: 0, count: count)
            values.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
            return .int64(shape: shape, values: values)
        }
    }
}
