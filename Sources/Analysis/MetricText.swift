import Foundation

/// The one format of the metrics `summary.json` derives (head scores and roles, the OV copying
/// share, composition scores) wherever they are printed: figure captions, slides and the report
/// quote the same digits for the same head.
public enum MetricText {
    /// A share as a percentage with one decimal, `6.7%` (a chance level of 1/299 stays `0.3%`).
    public static func percent(_ fraction: Double) -> String { String(format: "%.1f%%", 100 * fraction) }

    /// A score with `digits` decimals, `0.21`.
    public static func score(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
}
