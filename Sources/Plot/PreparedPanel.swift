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
        var heatmap = false
        var colors: [Color] = []
        var norms: [ResolvedNorm?] = []
        var cycle = 0
        var firstScale: (ColorScale, ResolvedNorm)?
        var xs = Extent(), ys = Extent()
        let xLog = panel.xScale == .log, yLog = panel.yScale == .log
        for mark in panel.marks {
            var norm: ResolvedNorm? = nil
            var color = style.foreground
            switch mark.kind {
            case .line(let m):
                try Self.check(m.x.count, m.y.count, "line", name)
                color = m.color ?? style.palette[cycle]; if m.color == nil { cycle += 1 }
                try xs.add(m.x, log: xLog, mark: "line", panel: name)
                try ys.add(m.y, log: yLog, mark: "line", panel: name)
            case .scatter(let m):
                try Self.check(m.x.count, m.y.count, "scatter", name)
                switch m.coloring {
                case .fixed(let c):
                    color = c ?? style.palette[cycle]; if c == nil { cycle += 1 }
                case .values(let values, let scale):
                    try Self.check(m.x.count, values.count, "scatter colour values", name)
                    let resolved = ResolvedNorm.resolve(scale.norm, values: values)
                    norm = resolved
                    color = scale.colormap.color(at: 0.5)
                    if firstScale == nil { firstScale = (scale, resolved) }
                case .categories(let cats, let palette):
                    try Self.check(m.x.count, cats.count, "scatter categories", name)
                    color = (palette ?? style.palette)[0]
                }
                try xs.add(m.x, log: xLog, mark: "scatter", panel: name)
                try ys.add(m.y, log: yLog, mark: "scatter", panel: name)
            case .heatmap(let m):
                let matrix = m.matrix
                guard matrix.rows > 0, matrix.columns > 0, matrix.values.count == matrix.rows * matrix.columns else {
                    throw PlotError.badMatrix(panel: name, detail: "is empty or ragged: \(matrix.rows) x \(matrix.columns) with \(matrix.values.count) values")
                }
                if let labels = m.rowLabels, labels.count != matrix.rows {
                    throw PlotError.lengthMismatch(panel: name, mark: "heatmap row labels", expected: matrix.rows, actual: labels.count)
                }
                if let labels = m.columnLabels, labels.count != matrix.columns {
                    throw PlotError.lengthMismatch(panel: name, mark: "heatmap column labels", expected: matrix.columns, actual: labels.count)
                }
                heatmap = true
                let resolved = ResolvedNorm.resolve(m.scale.norm, values: matrix.values)
                norm = resolved
                if firstScale == nil { firstScale = (m.scale, resolved) }
                xs.addSticky(-0.5, Double(matrix.columns) - 0.5)
                ys.addSticky(-0.5, Double(matrix.rows) - 0.5)
            case .bars(let m):
                try Self.check(m.x.count, m.heights.count, "bars", name)
                if let e = m.errors { try Self.check(m.x.count, e.count, "bar errors", name) }
                color = m.color ?? style.palette[cycle]; if m.color == nil { cycle += 1 }
                var lefts: [Double] = [], rights: [Double] = [], tops: [Double] = []
                for i in m.x.indices {
                    lefts.append(m.x[i] - m.width / 2)
                    rights.append(m.x[i] + m.width / 2)
                    let e = m.errors?[i] ?? 0
                    tops.append(m.heights[i] + (e.isFinite ? e : 0))
                    tops.append(m.heights[i] - (e.isFinite ? e : 0))
                }
                try xs.add(lefts + rights, log: xLog, mark: "bars", panel: name)
                try ys.add(tops, log: yLog, mark: "bars", panel: name)
                if !yLog || m.baseline > 0 { ys.addSticky(m.baseline, m.baseline) }
            case .band(let m):
                try Self.check(m.x.count, m.lower.count, "band", name)
                try Self.check(m.x.count, m.upper.count, "band", name)
                // A band shares the colour of the series that follows it, so it does not advance the cycle.
                color = m.color ?? style.palette[cycle]
                try xs.add(m.x, log: xLog, mark: "band", panel: name)
                try ys.add(m.lower + m.upper, log: yLog, mark: "band", panel: name)
            case .rule(let m):
                color = m.color ?? Color.gray(0.35)
                if m.value.isFinite {
                    if m.orientation == .horizontal { try ys.add([m.value], log: yLog, mark: "reference line", panel: name) }
                    else { try xs.add([m.value], log: xLog, mark: "reference line", panel: name) }
                }
            case .text(let m):
                color = m.color ?? style.foreground
            case .rects(let m):
                color = m.legendColor ?? m.fills.first ?? style.foreground
                try xs.add(m.x0 + m.x1, log: xLog, mark: "rectangles", panel: name)
                try ys.add(m.y0 + m.y1, log: yLog, mark: "rectangles", panel: name)
            case .symbols(let m):
                color = m.legendColor ?? m.colors.first ?? style.foreground
                try xs.add(m.x, log: xLog, mark: "symbols", panel: name)
                try ys.add(m.y, log: yLog, mark: "symbols", panel: name)
            }
            colors.append(color)
            norms.append(norm)
        }
        markColors = colors
        legendSide = [.outsideRight: .right, .outsideLeft: .left, .outsideBelow: .below, .outsideAbove: .above][panel.legend]
        markNorms = norms
        aspectEqual = panel.aspectEqual ?? heatmap
        yInverted = panel.yInverted ?? heatmap
        gridLines = panel.frame && (panel.gridLines ?? (style.gridLines && !heatmap))
        integerX = heatmap
        integerY = heatmap
        if let bar = panel.colorbar {
            if let scale = bar.scale {
                let values = panel.marks.flatMap { mark -> [Double] in
                    if case .heatmap(let m) = mark.kind { return m.matrix.values }
                    if case .scatter(let m) = mark.kind, case .values(let v, _) = m.coloring { return v }
                    return []
                }
                colorbar = (scale, ResolvedNorm.resolve(scale.norm, values: values))
            } else if let found = firstScale {
                colorbar = found
            } else {
                colorbar = (.viridis, ResolvedNorm(lower: 0, upper: 1, isLog: false))
            }
        }
        (xLower, xUpper) = try Self.limits(panel.xLimits, xs, log: xLog, axis: "x", panel: name)
        (yLower, yUpper) = try Self.limits(panel.yLimits, ys, log: yLog, axis: "y", panel: name)
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
