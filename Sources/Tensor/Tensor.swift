/// A row-major, contiguous array of `Float`s with a shape.
///
/// `Tensor` is a value: copies share storage until one is written (copy-on-write through
/// `Array`). Hot loops should work on `withUnsafeBufferPointer` / `withUnsafeMutableBufferPointer`
/// views so that they neither allocate nor trigger a copy.
public struct Tensor: Equatable, Sendable {
    /// The extent of each dimension, outermost first. A scalar has shape `[]`.
    public private(set) var shape: [Int]
    /// The elements in row-major order; `scalars.count == shape.product`.
    public var scalars: [Float]

    /// Wraps `scalars` with `shape`. The caller guarantees the count matches; shapes that come
    /// from files are checked by the readers, which throw instead.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) elements, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape) }

    /// A tensor whose elements are `body(flatIndex)`.
    public init(shape: [Int], generating body: (Int) -> Float) {
        let count = shape.reduce(1, *)
        self.init(shape: shape, scalars: (0..<count).map(body))
    }

    public var count: Int { scalars.count }
    public var rank: Int { shape.count }

    /// The same elements seen with another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Row-major strides, in elements.
    public var strides: [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// The flat offset of a multi-index.
    @inlinable
    public func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var offset = 0
        for axis in 0..<index.count {
            precondition(index[axis] >= 0 && index[axis] < shape[axis],
                         "index \(index) out of bounds for shape \(shape)")
            offset = offset * shape[axis] + index[axis]
        }
        return offset
    }

    public subscript(_ index: Int...) -> Float {
        get { scalars[offset(index)] }
        set { scalars[offset(index)] = newValue }
    }

    /// The sub-tensor at `index` along the first axis (a row of a matrix, a matrix of a stack).
    public subscript(slice index: Int) -> Tensor {
        precondition(rank >= 1 && index >= 0 && index < shape[0], "slice \(index) out of \(shape)")
        let inner = Array(shape.dropFirst())
        let size = inner.reduce(1, *)
        return Tensor(shape: inner, scalars: Array(scalars[index * size..<(index + 1) * size]))
    }

    /// Stacks equally shaped tensors along a new first axis.
    public static func stack(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(shape: [0]) }
        precondition(parts.allSatisfy { $0.shape == first.shape }, "stack needs equal shapes")
        var scalars = [Float]()
        scalars.reserveCapacity(first.count * parts.count)
        for part in parts { scalars += part.scalars }
        return Tensor(shape: [parts.count] + first.shape, scalars: scalars)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
