/// Finding NaN and infinity, so that readers can refuse them with the place they are.
extension Tensor {
    /// The position (one index per dimension) and value of the first NaN or infinite element,
    /// or nil when every element is finite.
    public var firstNonFinite: (index: [Int], value: Float)? {
        guard let flat = scalars.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (Tensor.index(ofFlat: flat, shape: shape), scalars[flat])
    }

    /// The row-major multi-index of flat position `flat` in `shape`.
    public static func index(ofFlat flat: Int, shape: [Int]) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for axis in shape.indices.reversed() where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}
