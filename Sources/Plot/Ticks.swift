import Foundation
import Reproducible

/// A tick: a position in data units and its label as Pango markup.
public struct Tick: Equatable, Sendable {
    public var value: Double
    public var label: String
    public init(_ value: Double, _ label: String) {
        self.value = value
        self.label = label
    }
}

/// Tick placement and labelling.
///
/// Linear ticks use matplotlib's "nice" steps, 1, 2, 2.5, 5 or 10 × 10^k, choosing the smallest
/// that gives at most `maxCount` ticks inside the range. Tick values are computed as an integer
/// over a power of ten, so 0.3 is 0.3 and not 0.30000000000000004, and labels have the same number
/// of decimals. Values of 10^5 and above, or below 10^-3, are written as m×10^e. Negative numbers
/// use the true minus sign U+2212.
public enum Ticks {
    /// The minus sign used in every label.
    public static let minus = "\u{2212}"

    /// Up to `maxCount` nice ticks within `lower...upper` (either order). A degenerate range is
    /// widened first: [0, 0] becomes [−1, 1], [v, v] becomes v ± 10 %.
    /// - Throws: `PlotError.nonFiniteRange` if a bound is NaN or infinite.
    public static func linear(lower: Double, upper: Double, maxCount: Int) throws -> [Tick] {
        guard lower.isFinite, upper.isFinite else {
            throw PlotError.nonFiniteRange(lower: lower, upper: upper, context: "linear ticks")
        }
        let (lo, hi) = nonsingular(min(lower, upper), max(lower, upper))
        let count = max(maxCount, 2)
        let raw = (hi - lo) / Double(count - 1)
        // Ranges beyond what integer tick indices can express (overflowing spans, denormal
        // steps, spans tiny next to their values) get their two ends as ticks.
        guard raw.isNormal, (abs(lo) / raw) < 1e15, (abs(hi) / raw) < 1e15 else {
            return [Tick(lo, format(lo)), Tick(hi, format(hi))]
        }
        let baseExponent = Int(ReproducibleMath.log10(raw).rounded(.down))
        for exponent in baseExponent...(baseExponent + 1) {
            for mantissa in [10, 20, 25, 50, 100] {
                let step = Double(mantissa) * pow10(exponent - 1)
                guard step.isNormal, step >= raw * (1 - 1e-12) else { continue }
                let first = Int((lo / step - 1e-9).rounded(.up))
                let last = Int((hi / step + 1e-9).rounded(.down))
                guard last - first + 1 <= count else { continue }
                let values = (first...max(first, last)).map { k in exactValue(k * mantissa, exponent - 1) }
                    .filter { $0 >= lo - step * 1e-9 && $0 <= hi + step * 1e-9 }
                let labels = linearLabels(values, mantissa: mantissa, exponent: exponent - 1)
                return zip(values, labels).map { Tick($0, $1) }
            }
        }
        return [Tick(lo, format(lo)), Tick(hi, format(hi))]
    }

    /// Ticks for a log axis over `lower...upper` (both > 0): labelled decades 10^k (every n-th
    /// decade if more than `maxCount` fit), unlabelled minor ticks at 2…9 × 10^k, and, when the
    /// range holds fewer than two decades, labelled ticks at 2 and 5 × 10^k too.
    /// - Throws: `PlotError.nonPositiveLogRange` or `.nonFiniteRange`.
    public static func log(lower: Double, upper: Double, maxCount: Int) throws -> (major: [Tick], minor: [Double]) {
        guard lower.isFinite, upper.isFinite else {
            throw PlotError.nonFiniteRange(lower: lower, upper: upper, context: "log ticks")
        }
        guard lower > 0, upper > 0 else {
            throw PlotError.nonPositiveLogRange(lower: lower, upper: upper, context: "log ticks")
        }
        var lo = min(lower, upper), hi = max(lower, upper)
        if lo == hi { lo /= 10; hi *= 10 }
        let eLo = Int((ReproducibleMath.log10(lo) - 1e-9).rounded(.up))
        let eHi = Int((ReproducibleMath.log10(hi) + 1e-9).rounded(.down))
        let decades = max(0, eHi - eLo + 1)
        let stride = max(1, Int((Double(decades) / Double(max(maxCount, 2))).rounded(.up)))
        var major: [Tick] = []
        var minor: [Double] = []
        if decades > 0 {
            for e in Swift.stride(from: eLo, through: eHi, by: stride) {
                major.append(Tick(exactValue(1, e), decadeLabel(e)))
            }
        }
        let firstDecade = Int(ReproducibleMath.log10(lo).rounded(.down))
        for e in firstDecade...max(firstDecade, eHi) {
            for m in 2...9 {
                let v = exactValue(m, e)
                guard v >= lo * (1 - 1e-12), v <= hi * (1 + 1e-12) else { continue }
                if decades < 2 && (m == 2 || m == 5) {
                    major.append(Tick(v, format(v)))
                } else if stride == 1 {
                    minor.append(v)
                }
            }
        }
        major.sort { $0.value < $1.value }
        return (major, minor)
    }

    /// The label of 10^e: "10<sup>e</sup>", with a true minus.
    public static func decadeLabel(_ e: Int) -> String {
        "10<sup>\(signed(e))</sup>"
    }

    /// A single value without trailing zeros, scientific outside 10^-3 ..< 10^5.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "\(minus)∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return scientific(value) }
        var text = String(format: "%.6g", value)
        if text.contains("e") { return scientific(value) }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return withMinus(text)
    }

    // MARK: - Helpers

    /// The labels of equally spaced ticks: a fixed number of decimals, or m×10^e per tick.
    static func linearLabels(_ values: [Double], mantissa: Int, exponent: Int) -> [String] {
        let largest = values.map(abs).max() ?? 0
        if largest >= 1e5 || (largest > 0 && largest < 1e-3) {
            return values.map { $0 == 0 ? "0" : scientific($0) }
        }
        let trailingZeros = mantissa % 100 == 0 ? 2 : (mantissa % 10 == 0 ? 1 : 0)
        let decimals = max(0, -exponent - trailingZeros)
        return values.map { fixed($0, decimals: decimals) }
    }

    static func fixed(_ value: Double, decimals: Int) -> String {
        var text = String(format: "%.\(decimals)f", value)
        if text.hasPrefix("-"), Double(text) == 0 { text.removeFirst() }
        return withMinus(text)
    }

    /// m×10^e with up to three significant decimals in m, "10^e" when m is 1.
    static func scientific(_ value: Double) -> String {
        var e = Int(ReproducibleMath.log10(abs(value)).rounded(.down))
        var m = value / pow10(e)
        if abs((m * 1000).rounded()) >= 10_000 { e += 1; m = value / pow10(e) }
        var text = String(format: "%.3f", m)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        if text == "1" { return decadeLabel(e) }
        if text == "-1" { return minus + decadeLabel(e) }
        return withMinus(text) + "×" + decadeLabel(e)
    }

    static func signed(_ e: Int) -> String { e < 0 ? minus + String(-e) : String(e) }

    static func withMinus(_ text: String) -> String {
        text.replacingOccurrences(of: "-", with: minus)
    }

    /// numerator × 10^exponent, rounded once (exact powers of ten up to 10^22).
    static func exactValue(_ numerator: Int, _ exponent: Int) -> Double {
        exponent >= 0 ? Double(numerator) * pow10(exponent) : Double(numerator) / pow10(-exponent)
    }

    static func pow10(_ e: Int) -> Double {
        ReproducibleMath.power(10, e)
    }

    /// Widens an empty range so that ticks and scales stay defined.
    public static func nonsingular(_ lo: Double, _ hi: Double) -> (Double, Double) {
        if hi > lo { return (lo, hi) }
        if lo == 0 { return (-1, 1) }
        let pad = abs(lo) * 0.1
        return (lo - pad, hi + pad)
    }
}
