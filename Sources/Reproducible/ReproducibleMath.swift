/// exp, log, erf and integer powers built only from IEEE 754's correctly rounded operations
/// (+, −, ×, ÷, sqrt) in a fixed order, so their bits are the same on every CPU.
///
/// The C library's versions are not: glibc picks an implementation per CPU at load time (its
/// FMA variants of `exp`, `log` and `pow` round differently in the last bit), and training turns
/// one last bit into a different model. These are within a few units in the last place of
/// the true value, which is all a loss, a GELU or a curve fit needs.
public enum ReproducibleMath {
    /// ln 2 split so that `k * ln2High` is exact for |k| < 2^11 (fdlibm's constants).
    static let ln2High = 6.93147180369123816490e-01
    static let ln2Low = 1.90821492927058770002e-10
    static let log2e = 1.44269504088896338700e+00

    /// e^x.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        // x = k ln2 + r with |r| <= ln2 / 2, then e^r by its Taylor series to r^13 / 13!
        // (the next term is below 1e-17 of the result). The coefficients are `inverseFactorials`
        // 13...1 written out (a test checks they are the same bits), so that this hot function
        // (a softmax, a GELU's derivative) reads no global.
        let k = (x * log2e).rounded(.toNearestOrEven)
        let r = (x - k * ln2High) - k * ln2Low
        var p = 0x1.6124613a86d0ap-33
        p = p * r + 0x1.1eed8eff8d898p-29
        p = p * r + 0x1.ae64567f544e4p-26
        p = p * r + 0x1.27e4fb7789f5dp-22
        p = p * r + 0x1.71de3a556c734p-19
        p = p * r + 0x1.a01a01a01a01ap-16
        p = p * r + 0x1.a01a01a01a01ap-13
        p = p * r + 0x1.6c16c16c16c17p-10
        p = p * r + 0x1.1111111111111p-7
        p = p * r + 0x1.5555555555555p-5
        p = p * r + 0x1.5555555555555p-3
        p = p * r + 0x1.0000000000000p-1
        p = p * r + 1
        p = p * r + 1
        return Double(sign: .plus, exponent: Int(k), significand: p)
    }

    /// 1/n! for n = 0...20.
    static let inverseFactorials: [Double] = {
        var values = [1.0]
        for n in 1...20 { values.append(values[n - 1] / Double(n)) }
        return values
    }()

    /// The natural logarithm; NaN below 0, −∞ at 0.
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        // x = 2^e m with m in [√½, √2); log m = 2 atanh(s) = 2 (s + s³/3 + s⁵/5 + ...) with
        // s = (m - 1)/(m + 1), |s| <= 0.172, so terms to s^23 reach below 1e-17.
        var e = Double(x.exponent)
        var m = x.significand
        if m > 1.4142135623730951 { m /= 2; e += 1 }
        let s = (m - 1) / (m + 1), z = s * s
        var series = 1.0 / 23
        for n in stride(from: 21, through: 1, by: -2) { series = series * z + 1 / Double(n) }
        let logM = 2 * s * series
        return e * ln2High + (e * ln2Low + logM)
    }

    /// The error function, to about 1e-11, by interpolation in `ErfTable`. A loop that
    /// evaluates it many times takes `ErfTable.shared` once and calls its `erf`.
    public static func erf(_ x: Double) -> Double { ErfTable.shared.erf(x) }

    /// The error function from its series, to a few ulps; slow (up to 80 terms).
    public static func erfSeries(_ x: Double) -> Double {
        if x.isNaN { return x }
        let a = Swift.abs(x)
        let value: Double
        if a < 2.5 {
            // 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)), summed until the terms vanish (at most 80).
            let z = a * a
            var term = a, sum = a
            var n = 1
            while n < 80 {
                term = -term * z / Double(n)
                let next = sum + term / Double(2 * n + 1)
                if next == sum { break }
                sum = next
                n += 1
            }
            value = sum * 1.1283791670955126
        } else if a < 6 {
            // erfc by its continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
            // evaluated from a fixed depth.
            var tail = a
            for n in stride(from: 60, through: 1, by: -1) { tail = a + (Double(n) / 2) / tail }
            value = 1 - exp(-a * a) / tail * 0.5641895835477563
        } else {
            value = 1
        }
        return x < 0 ? -value : value
    }

    /// The base-10 logarithm, exact at exact powers of ten (tick positions rely on that).
    public static func log10(_ x: Double) -> Double {
        let value = log(x) / 2.302585092994046
        let nearest = value.rounded()
        if Swift.abs(value - nearest) < 1e-9, Swift.abs(nearest) < 300, power(10, Int(nearest)) == x { return nearest }
        return value
    }

    /// `base` to a real power, as e^(y ln x), for x > 0 (x = 0 gives 0 for y > 0).
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if x == 0 { return y > 0 ? 0 : .infinity }
        return exp(y * log(x))
    }

    /// sin and cos of `angle` (radians): reduced by multiples of π/2 (π split in three parts,
    /// Cody-Waite), then Taylor series to the 19th and 20th powers on [−π/4, π/4]. For the text
    /// angles of the layout; exact at 0 and within an ulp or two elsewhere.
    public static func sinCos(_ angle: Double) -> (sin: Double, cos: Double) {
        if !angle.isFinite { return (.nan, .nan) }
        let quadrant = (angle * 0.6366197723675814).rounded(.toNearestOrEven)   // angle / (π/2)
        let r = ((angle - quadrant * 1.5707963267341256) - quadrant * 6.077100506303966e-11)
            - quadrant * 2.0222662487959506e-21
        let z = r * r
        var sine = inverseFactorials[19], cosine = inverseFactorials[20]
        for n in stride(from: 17, through: 3, by: -2) { sine = -sine * z + inverseFactorials[n] }
        for n in stride(from: 18, through: 2, by: -2) { cosine = -cosine * z + inverseFactorials[n] }
        let s = r - r * z * sine, c = 1 - z * cosine
        switch Int(quadrant.truncatingRemainder(dividingBy: 4) + 4) % 4 {
        case 0: return (s, c)
        case 1: return (c, -s)
        case 2: return (-s, -c)
        default: return (-c, s)
        }
    }

    /// `base` to an integer power by repeated squaring.
    public static func power(_ base: Double, _ exponent: Int) -> Double {
        var result = 1.0, factor = base, n = exponent.magnitude
        while n > 0 {
            if n & 1 == 1 { result *= factor }
            factor *= factor
            n >>= 1
        }
        return exponent < 0 ? 1 / result : result
    }

    /// e^x in `Float` (through `Double`).
    public static func exp(_ x: Float) -> Float { Float(exp(Double(x))) }
    /// ln x in `Float` (through `Double`).
    public static func log(_ x: Float) -> Float { Float(log(Double(x))) }
}

/// erf and its derivative 2/√π e^(−x²) at steps of 1/256 over [0, 6], made once by
/// `erfSeries`, and the cubic Hermite interpolation between them that `ReproducibleMath.erf` is
/// (to about 1e-11; fast enough for a GELU on every activation).
///
/// A loop over many values (a GELU over a layer's activations) takes the table once,
/// `let table = ErfTable.shared`, and calls `table.erf(x)`, which inlines into the loop: reaching
/// a lazily made global costs a `swift_once` and an array's bounds checks on every call, as much
/// as the interpolation itself.
public struct ErfTable: @unchecked Sendable {
    /// The process's one table (never freed).
    public static let shared = ErfTable()

    /// erf(i/256) at 2i and its derivative at 2i + 1, for i = 0...6·256: the four numbers one
    /// interpolation reads are adjacent.
    @usableFromInline let nodes: UnsafePointer<Double>

    private init() {
        let count = 6 * 256 + 1
        let nodes = UnsafeMutablePointer<Double>.allocate(capacity: 2 * count)
        for i in 0..<count {
            let x = Double(i) / 256
            nodes[2 * i] = ReproducibleMath.erfSeries(x)
            nodes[2 * i + 1] = 1.1283791670955126 * ReproducibleMath.exp(-x * x)
        }
        self.nodes = UnsafePointer(nodes)
    }

    /// The error function, interpolated with the node's value and derivative at both ends of
    /// the 1/256 step that holds |x|.
    @inlinable @inline(__always)
    public func erf(_ x: Double) -> Double {
        if x.isNaN { return x }
        let a = Swift.abs(x)
        guard a < 6 else { return x < 0 ? -1 : 1 }
        let scaled = a * 256
        let i = Int(scaled)
        let t = scaled - Double(i), h = 1 / 256.0
        let node = nodes + 2 * i
        let (y0, y1) = (node[0], node[2])
        let (d0, d1) = (node[1] * h, node[3] * h)
        let t2 = t * t, t3 = t2 * t
        let value = (2 * t3 - 3 * t2 + 1) * y0 + (t3 - 2 * t2 + t) * d0 + (-2 * t3 + 3 * t2) * y1 + (t3 - t2) * d1
        return x < 0 ? -value : value
    }

    /// `erf` of eight values at once: the same operations in the same order on each lane, so
    /// the same bits; the table reads stay scalar.
    @inlinable @inline(__always)
    public func erf(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let a = x.replacing(with: -x, where: x .< 0)
        let inRange = a .< 6   // false for NaN too
        let scaled = (a * 256).replacing(with: 0, where: .!inRange)
        var whole = SIMD8<Double>(), y0 = SIMD8<Double>(), y1 = SIMD8<Double>(), d0 = SIMD8<Double>(), d1 = SIMD8<Double>()
        for lane in 0..<8 {
            let i = Int(scaled[lane])
            let node = nodes + 2 * i
            whole[lane] = Double(i)
            (y0[lane], d0[lane], y1[lane], d1[lane]) = (node[0], node[1], node[2], node[3])
        }
        let t = scaled - whole, h = 1 / 256.0
        d0 *= h
        d1 *= h
        let t2 = t * t, t3 = t2 * t
        // The scalar expression's terms, left to right (one expression is too much for the type checker).
        let h00: SIMD8<Double> = 2 * t3 - 3 * t2 + 1, h10: SIMD8<Double> = t3 - 2 * t2 + t
        let h01: SIMD8<Double> = -2 * t3 + 3 * t2, h11: SIMD8<Double> = t3 - t2
        var value = h00 * y0
        value += h10 * d0
        value += h01 * y1
        value += h11 * d1
        let signed = value.replacing(with: -value, where: x .< 0)
        let saturated = signed.replacing(with: SIMD8<Double>(repeating: 1).replacing(with: -1, where: x .< 0), where: .!inRange)
        return saturated.replacing(with: x, where: x .!= x)
    }
}
