import CKernels

/// Row reductions and e^x in 16-wide SIMD, for the hot loops of training and analysis. Float
/// sums do not vectorise on their own (the compiler may not reorder them); these fix one order
/// (16 lanes, then the lanes in a fixed tree, then the tail), which is the same on every CPU
/// whatever its vector width: `SIMD16` lanes are independent IEEE operations.
public enum VectorMath {
    /// The sum of the 16 lanes as a fixed tree (halves, quarters, ...). The standard library's
    /// `sum()` leaves the order to the compiler, which may pick it by vector width.
    @inlinable @inline(__always)
    public static func laneSum(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inlinable @inline(__always)
    public static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n { acc += load(p + i); i += 16 }
        var s = laneSum(acc)
        while i < n { s += p[i]; i += 1 }
        return s
    }

    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        while i + 16 <= n { acc += load(a + i) * load(b + i); i += 16 }
        var s = laneSum(acc)
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    @inlinable @inline(__always)
    public static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= n { let x = load(p + i); acc.replace(with: x, where: x .> acc); i += 16 }
        var m = acc[0]
        for lane in 1..<16 { m = Swift.max(m, acc[lane]) }
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }
}

extension VectorMath {
    @inlinable @inline(__always)
    public static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// e^x, 16 lanes at a time (Cephes' expf: x = k ln2 + r, a degree-6 polynomial in r, times
    /// 2^k). About 1 ulp; inputs below -87.3 give ~1e-38 instead of 0, which the softmax and
    /// cross-entropy (inputs are x - max <= 0) do not notice.
    @inlinable @inline(__always)
    public static func exp(_ input: SIMD16<Float>) -> SIMD16<Float> {
        var x = input.replacing(with: -87.3, where: input .< -87.3)
        x.replace(with: 88.3, where: x .> 88.3)
        // Round x / ln2 to an integer with the 1.5 * 2^23 trick: its low mantissa bits are k.
        let magic = SIMD16<Float>(repeating: 12582912)
        let shifted = x * 1.44269504088896341 + magic
        let k = shifted - magic
        let r = x - k * 0.693359375 + k * 2.12194440e-4
        var p = SIMD16<Float>(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * r * r + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let twoToK = unsafeBitCast((integer &+ 127) &* (1 << 23), to: SIMD16<Float>.self)
        return y * twoToK
    }

    /// row[j] = exp(row[j] - shift) for j < n; returns their sum (fixed order). In C
    /// (`rd_exp_shifted`), so that it runs at the CPU's vector width: the same lanes and
    /// operations as `exp` and `sumOfExpShifted` here.
    @inlinable @inline(__always)
    public static func expShifted(_ row: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Float {
        rd_exp_shifted(row, n, shift)
    }

    /// Σ exp(row[j] - shift) for j < n, leaving the row as it is (same lanes and order as
    /// `expShifted`).
    @inlinable @inline(__always)
    public static func sumOfExpShifted(_ row: UnsafePointer<Float>, _ n: Int, shift: Float) -> Float {
        var acc = SIMD16<Float>()
        let s = SIMD16<Float>(repeating: shift)
        var i = 0
        while i + 16 <= n { acc += exp(load(row + i) - s); i += 16 }
        if i < n {
            var tail = SIMD16<Float>(repeating: -.infinity)
            for lane in 0..<(n - i) { tail[lane] = row[i + lane] }
            acc += exp(tail - s).replacing(with: 0, where: SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) .>= Int32(n - i))
        }
        return laneSum(acc)
    }

    /// row[j] *= factor
    @inlinable @inline(__always)
    public static func scale(_ row: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
        var i = 0
        while i + 16 <= n { store(load(row + i) * factor, row + i); i += 16 }
        while i < n { row[i] *= factor; i += 1 }
    }
}
