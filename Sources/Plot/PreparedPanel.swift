import Foundation
import Reproducible

/// The size-independent facts about a panel: limits, colours, norms, which labels show.
struct PreparedPanel {
    var row: Int
    var column: Int
    var panel: Panel
    var name: String
    var xLower: Double
    var xUpper: Double
    var yLower: Double
    var yUpper: Double
    var aspectEqual: Bool
    var yInverted: Bool
    var gridLines: Bool
    var integerX: Bool
    var integerY: Bool
    var markColors: [Color]
    var markNorms: [ResolvedNorm?]
    var colorbar: (scale: ColorScale, norm: ResolvedNorm)?
    var showXTickLabels = true
    var showYTickLabels = true
    var showXLabel = true
    var showYLabel = true
    /// Set when the legend goes outside the plot (asked for, or no inside place is clear).
    var legendSide: LegendSide?

    init(row: Int, column: Int, panel: Panel, style: Style) throws {
        self.row = row
        self.column = column
        self.panel = panel
        name = "panel (row \(row + 1), column \(column + 1))" + (panel.title.map { " '\($0)'" } ?? "")
        var survey = MarkSurvey(style: style, panel: name, xLog: panel.xScale == .log, yLog: panel.yScale == .log)
        for mark in panel.marks { try survey.add(mark) }
        let heatmap = survey.heatmap
        markColors = survey.colors
        legendSide = [.outsideRight: .right, .outsideLeft: .left, .outsideBelow: .below, .outsideAbove: .above][panel.legend]
        markNorms = survey.norms
        aspectEqual = panel.aspectEqual ?? heatmap
        yInverted = panel.yInverted ?? heatmap
        gridLines = panel.frame && (panel.gridLines ?? (style.gridLines && !heatmap))
        integerX = heatmap
        integerY = heatmap
        colorbar = Self.colorbar(of: panel, firstScale: survey.firstScale)
        (xLower, xUpper) = try Self.limits(panel.xLimits, survey.xs, log: survey.xLog, axis: "x", panel: name)
        (yLower, yUpper) = try Self.limits(panel.yLimits, survey.ys, log: survey.yLog, axis: "y", panel: name)
    }

    /// The colour bar's scale and norm, if the panel has one: its own scale over every mark's
    /// colour values, else the first mark's scale, else viridis over 0...1.
    static func colorbar(of panel: Panel, firstScale: (ColorScale, ResolvedNorm)?) -> (scale: ColorScale, norm: ResolvedNorm)? {
        guard let bar = panel.colorbar else { return nil }
        if let scale = bar.scale {
            let values = panel.marks.flatMap { mark -> [Double] in
                if case .heatmap(let m) = mark.kind { return m.matrix.values }
                if case .scatter(let m) = mark.kind, case .values(let v, _) = m.coloring { return v }
                return []
            }
            return (scale, ResolvedNorm.resolve(scale.norm, values: values))
        } else if let found = firstScale {
            return found
        } else {
            return (.viridis, ResolvedNorm(lower: 0, upper: 1, isLog: false))
        }
    }

    static func check(_ expected: Int, _ actual: Int, _ mark: String, _ panel: String) throws {
        guard expected == actual else {
            throw PlotError.lengthMismatch(panel: panel, mark: mark, expected: expected, actual: actual)
        }
    }

    /// Explicit limits, or the data extent plus a 5 % margin that stops at sticky edges.
    static func limits(_ explicit: ClosedRange<Double>?, _ extent: Extent, log: Bool, axis: String,
                       panel: String) throws -> (Double, Double) {
        if let explicit {
            guard explicit.lowerBound.isFinite, explicit.upperBound.isFinite else {
                throw PlotError.nonFiniteRange(lower: explicit.lowerBound, upper: explicit.upperBound, context: "\(panel) \(axis) limits")
            }
            if log && explicit.lowerBound <= 0 {
                throw PlotError.nonPositiveLogRange(lower: explicit.lowerBound, upper: explicit.upperBound, context: "\(panel) \(axis) limits")
            }
            if explicit.lowerBound == explicit.upperBound {
                return log ? (explicit.lowerBound / 10, explicit.upperBound * 10) : Ticks.nonsingular(explicit.lowerBound, explicit.upperBound)
            }
            return (explicit.lowerBound, explicit.upperBound)
        }
        guard extent.lower <= extent.upper else { return log ? (1, 10) : (0, 1) }
        let toAxis: (Double) -> Double = log ? { ReproducibleMath.log10($0) } : { $0 }
        let fromAxis: (Double) -> Double = log ? { ReproducibleMath.pow(10, $0) } : { $0 }
        var lo = toAxis(extent.lower), hi = toAxis(extent.upper)
        if lo == hi {
            (lo, hi) = log ? (lo - 1, hi + 1) : Ticks.nonsingular(lo, hi)
            return (fromAxis(lo), fromAxis(hi))
        }
        let margin = 0.05 * (hi - lo)
        var newLo = lo - margin, newHi = hi + margin
        for s in extent.sticky.map(toAxis) {
            if s <= lo && s > newLo { newLo = s }
            if s >= hi && s < newHi { newHi = s }
        }
        return (fromAxis(newLo), fromAxis(newHi))
    }
}

/// The finite extent of some data along one axis, plus "sticky" values margins must not cross.
struct Extent {
    var lower = Double.infinity
    var upper = -Double.infinity
    var sticky: [Double] = []

    /// Adds the finite (and, on log axes, positive) values. Throws if a non-empty array has none.
    mutating func add(_ values: [Double], log: Bool, mark: String, panel: String) throws {
        var found = false
        for v in values where v.isFinite && (!log || v > 0) {
            lower = min(lower, v)
            upper = max(upper, v)
            found = true
        }
        if !found && !values.isEmpty { throw PlotError.noFiniteData(panel: panel, mark: mark) }
    }

    mutating func addSticky(_ lo: Double, _ hi: Double) {
        lower = min(lower, lo)
        upper = max(upper, hi)
        sticky += [lo, hi]
    }
}

/// Which side of the plot an outside legend takes.
enum LegendSide: Equatable {
    case right, left, below, above
}
