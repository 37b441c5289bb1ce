import Foundation

/// The report's one number format: three significant figures, trailing zeros kept (10.0, 2.30,
/// 0.00436), so that every number on the page carries the same precision and none reads as more
/// exact than another. Percentages are whole percents, and say so with their sign. The metrics
/// the analysis derives into `summary.json` (head scores and roles, the OV copying share,
/// composition maxima) are the exception: they read as the figures and slides print them
/// (`MetricText`), so that one head's number is the same everywhere.
public enum ReportNumber {
    /// `x` to `figures` significant figures; outside 1e-4 ..< 1e6 in scientific notation.
    public static func significant(_ x: Double, _ figures: Int = 3) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : (x > 0 ? "∞" : "−∞") }
        if x == 0 { return "0" }
        // The exponent after rounding (9.996 rounds to 10.0, not 9.100).
        let scientific = String(format: "%.\(figures - 1)e", x)
        guard let exponent = scientific.split(separator: "e").last.flatMap({ Int($0) }) else { return scientific }
        if exponent < -4 || exponent >= 6 { return scientific }
        if exponent >= figures {
            // 123456 as 123000: digits past the third are not significant.
            let unit = pow(10, Double(exponent - figures + 1))
            return String(format: "%.0f", (x / unit).rounded() * unit)
        }
        return String(format: "%.\(figures - 1 - exponent)f", x)
    }

    /// A signed value, `+0.123` or `−0.123`.
    public static func signed(_ x: Double) -> String {
        let text = significant(abs(x))
        return (x < 0 ? "−" : "+") + text
    }

    /// A fraction as a whole percent: `42%`.
    public static func percent(_ fraction: Double) -> String { String(format: "%.0f%%", 100 * fraction) }
}
