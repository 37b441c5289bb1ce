/// Element-wise arithmetic and reductions: the handful the model and the analysis need.
extension Tensor {
    /// Applies `transform` to every element.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        Tensor(shape: shape, scalars: scalars.map(transform))
    }

    /// Combines two equally shaped tensors element by element.
    public func zipWith(_ other: Tensor, _ combine: (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var result = scalars
        result.withUnsafeMutableBufferPointer { out in
            other.scalars.withUnsafeBufferPointer { rhs in
                for i in 0..<out.count { out[i] = combine(out[i], rhs[i]) }
            }
        }
        return Tensor(shape: shape, scalars: result)
    }

    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, +) }
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, -) }
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipWith(rhs, *) }
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    public static func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.map { lhs * $0 } }

    public static func += (lhs: inout Tensor, rhs: Tensor) {
        precondition(lhs.shape == rhs.shape, "shapes \(lhs.shape) and \(rhs.shape) differ")
        lhs.scalars.withUnsafeMutableBufferPointer { out in
            rhs.scalars.withUnsafeBufferPointer { add in
                for i in 0..<out.count { out[i] += add[i] }
            }
        }
    }

    /// Adds a vector to every row of the last axis (a bias).
    public func addingRowVector(_ vector: Tensor) -> Tensor {
        let width = shape.last ?? 1
        precondition(vector.count == width, "bias of \(vector.count) for rows of \(width)")
        var result = self
        result.scalars.withUnsafeMutableBufferPointer { out in
            vector.scalars.withUnsafeBufferPointer { bias in
                for row in 0..<(out.count / max(width, 1)) {
                    for j in 0..<width { out[row * width + j] += bias[j] }
                }
            }
        }
        return result
    }

    /// The sum of all elements, accumulated in `Double` for accuracy.
    public func sum() -> Double {
        scalars.reduce(0.0) { $0 + Double($1) }
    }

    /// The mean of all elements, accumulated in `Double`.
    public func mean() -> Double { count == 0 ? .nan : sum() / Double(count) }

    /// The Frobenius (L2) norm of all elements.
    public func norm() -> Double {
        scalars.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    /// The largest absolute difference to `other`, for tests and cross-checks.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        precondition(shape == other.shape, "shapes \(shape) and \(other.shape) differ")
        var worst: Float = 0
        for i in 0..<count { worst = Swift.max(worst, abs(scalars[i] - other.scalars[i])) }
        return worst
    }

    /// The mean over the first axis: [n, rest...] -> [rest...], accumulated in `Double`.
    public func meanOverFirstAxis() -> Tensor {
        precondition(rank >= 1 && shape[0] > 0, "mean over an empty first axis of \(shape)")
        let inner = Array(shape.dropFirst())
        let size = inner.reduce(1, *)
        var totals = [Double](repeating: 0, count: size)
        scalars.withUnsafeBufferPointer { x in
            for n in 0..<shape[0] {
                for j in 0..<size { totals[j] += Double(x[n * size + j]) }
            }
        }
        let scale = 1.0 / Double(shape[0])
        return Tensor(shape: inner, scalars: totals.map { Float($0 * scale) })
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, got \(shape)")
        let (rows, cols) = (shape[0], shape[1])
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { x in
            for i in 0..<rows { for j in 0..<cols { out[j * rows + i] = x[i * cols + j] } }
        }
        return Tensor(shape: [cols, rows], scalars: out)
    }

    /// Whether every element is finite.
    public var isFinite: Bool { scalars.allSatisfy { $0.isFinite } }
}
