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
        // (the next term is below 1e-17 of the result).
        let k = (x * log2e).rounded(.toNearestOrEven)
        let r = (x - k * ln2High) - k * ln2Low
        var p = 1.0 / 6227020800   // 1/13!
        for n in stride(from: 12, through: 1, by: -1) { p = p * r + inverseFactorials[n] }
        p = p * r + 1
        return Double(sign: .plus, exponent: Int(k), significand: p)
    }

    /// 1/n! for n = 0...12.
    static let inverseFactorials: [Double] = {
        var values = [1.0]
        for n in 1...12 { values.append(values[n - 1] / Double(n)) }
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

    /// The error function.
    public static func erf(_ x: Double) -> Double {
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
    /// erf x in `Float` (through `Double`).
    public static func erf(_ x: Float) -> Float { Float(erf(Double(x))) }
}
