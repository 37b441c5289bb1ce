import Foundation

/// One panel's ticks and the room its decorations need around a plot of a given size, and the
/// placement of every text once the plot's rectangle is known.
struct PanelDecorator {
    let prepared: PreparedPanel
    let style: Style
    let measurer: TextMeasuring
    var xTicks: [Tick] = [], xMinor: [Double] = []
    var yTicks: [Tick] = [], yMinor: [Double] = []
    var colorbarTicks: [Tick] = []
    var colorbarWidth = 0.0
    var colorbarPad = 0.0
    var left = 0.0, right = 0.0, top = 0.0, bottom = 0.0

    var tickStyle: TextStyle { TextStyle(size: style.tickLabelSize) }
    var labelStyle: TextStyle { TextStyle(size: style.labelSize) }
    var titleStyle: TextStyle { TextStyle(size: style.titleSize) }

    init(prepared p: PreparedPanel, style: Style, measurer: TextMeasuring, plotSize: Size) throws {
        self.prepared = p
        self.style = style
        self.measurer = measurer
        let panel = p.panel
        var xSpec = panel.xTicks, ySpec = panel.yTicks
        for mark in panel.marks {
            if case .heatmap(let m) = mark.kind {
                if xSpec == .automatic, let labels = m.columnLabels {
                    xSpec = .at((0..<m.matrix.columns).map(Double.init), labels: labels)
                }
                if ySpec == .automatic, let labels = m.rowLabels {
                    ySpec = .at((0..<m.matrix.rows).map(Double.init), labels: labels)
                }
                break
            }
        }
        (xTicks, xMinor) = try Self.ticks(xSpec, scale: panel.xScale, lower: p.xLower, upper: p.xUpper,
                                          length: plotSize.width, horizontal: true, integer: p.integerX,
                                          style: style, measurer: measurer, context: "\(p.name) x axis")
        (yTicks, yMinor) = try Self.ticks(ySpec, scale: panel.yScale, lower: p.yLower, upper: p.yUpper,
                                          length: plotSize.height, horizontal: false, integer: p.integerY,
                                          style: style, measurer: measurer, context: "\(p.name) y axis")
        let ts = tickStyle
        let xExtents = p.showXTickLabels ? xTicks.map { measurer.measure($0.label, style: ts) } : []
        let yExtents = p.showYTickLabels ? yTicks.map { measurer.measure($0.label, style: ts) } : []
        let maxYW = yExtents.map(\.width).max() ?? 0
        let maxYH = yExtents.map(\.height).max() ?? 0
        let maxXH = xExtents.map(\.height).max() ?? 0

        left = style.tickLength + (maxYW > 0 ? style.tickPad + maxYW : 0)
        if p.showYLabel, let label = panel.yLabel {
            left += style.labelPad + measurer.measure(label, style: labelStyle).height
        }
        bottom = style.tickLength + (maxXH > 0 ? style.tickPad + maxXH : 0)
        if p.showXLabel, let label = panel.xLabel {
            bottom += style.labelPad + measurer.measure(label, style: labelStyle).height
        }
        top = maxYH / 2
        bottom = max(bottom, maxYH / 2)
        if let title = panel.title {
            top = max(top, style.titlePad + measurer.measure(title, style: titleStyle).height)
        }
        // First and last x tick labels may stick out past the plot's sides.
        var overflowLeft = 0.0, overflowRight = 0.0
        let axis = AxisLayout(scale: panel.xScale, lower: p.xLower, upper: p.xUpper, ticks: [], minorTicks: [], tickLabels: [], label: nil)
        for (tick, extent) in zip(xTicks, xExtents) {
            let at = axis.fraction(tick.value) * plotSize.width
            overflowLeft = max(overflowLeft, extent.width / 2 - at)
            overflowRight = max(overflowRight, at + extent.width / 2 - plotSize.width)
        }
        // Titles and x labels wider than the plot stick out on both sides.
        for (text, textStyle) in [(panel.title, titleStyle), (p.showXLabel ? panel.xLabel : nil, labelStyle)] {
            guard let text else { continue }
            let spill = (measurer.measure(text, style: textStyle).width - plotSize.width) / 2
            overflowLeft = max(overflowLeft, spill)
            overflowRight = max(overflowRight, spill)
        }
        left = max(left, overflowLeft)
        right = overflowRight
        if let bar = p.colorbar, let spec = panel.colorbar {
            colorbarWidth = min(max(plotSize.height / 20, 0.5 * style.tickLabelSize), 1.5 * style.tickLabelSize)
            colorbarPad = 2 * style.labelPad
            let lower = bar.norm.lower, upper = bar.norm.upper
            if bar.norm.isLog {
                colorbarTicks = try Ticks.log(lower: lower, upper: upper, maxCount: Self.bins(plotSize.height, horizontal: false, style: style) + 1).major
            } else {
                colorbarTicks = try Ticks.linear(lower: lower, upper: upper, maxCount: Self.bins(plotSize.height, horizontal: false, style: style) + 1)
            }
            let widths = colorbarTicks.map { measurer.measure($0.label, style: ts) }
            var room = colorbarPad + colorbarWidth + style.tickLength + style.tickPad + (widths.map(\.width).max() ?? 0)
            if let label = spec.label {
                room += style.labelPad + measurer.measure(label, style: labelStyle).height
            }
            right = max(right, room)
            let overhang = (widths.map(\.height).max() ?? 0) / 2
            top = max(top, overhang)
            bottom = max(bottom, overhang)
        }
        right += 2
    }

    /// How many intervals an axis of `length` points has room for (matplotlib's rule, at most 9).
    static func bins(_ length: Double, horizontal: Bool, style: Style) -> Int {
        let perTick = (horizontal ? 3 : 2) * style.tickLabelSize
        let fits = length / perTick
        return fits.isFinite ? max(1, min(9, Int(max(0, fits)))) : 1
    }

    static func ticks(_ spec: TickSpec, scale: AxisScale, lower: Double, upper: Double, length: Double,
                      horizontal: Bool, integer: Bool, style: Style, measurer: TextMeasuring,
                      context: String) throws -> ([Tick], [Double]) {
        let lo = min(lower, upper), hi = max(lower, upper)
        let tolerance = (hi - lo) * 1e-9
        switch spec {
        case .hidden:
            return ([], [])
        case .fixed(let ticks):
            return (ticks.filter { $0.value >= lo - tolerance && $0.value <= hi + tolerance }, [])
        case .automatic:
            var bins = Self.bins(length, horizontal: horizontal, style: style)
            while true {
                var major: [Tick]
                var minor: [Double] = []
                if scale == .log {
                    (major, minor) = try Ticks.log(lower: lo, upper: hi, maxCount: bins + 1)
                } else {
                    major = try Ticks.linear(lower: lo, upper: hi, maxCount: bins + 1)
                    if integer && abs(lo) < 1e9 && abs(hi) < 1e9 && major.contains(where: { $0.value != $0.value.rounded() }) {
                        let whole = Int(lo.rounded(.up))...Int(hi.rounded(.down))
                        major = whole.count <= bins + 1
                            ? whole.map { Tick(Double($0), Ticks.format(Double($0))) }
                            : major.filter { $0.value == $0.value.rounded() }
                    }
                }
                if horizontal && bins > 1 && overlaps(major, scale: scale, lo: lo, hi: hi, length: length,
                                                      style: style, measurer: measurer) {
                    bins -= 1
                    continue
                }
                return (major, minor)
            }
        }
    }

    /// True if neighbouring x tick labels would come closer than half a character.
    static func overlaps(_ ticks: [Tick], scale: AxisScale, lo: Double, hi: Double, length: Double,
                         style: Style, measurer: TextMeasuring) -> Bool {
        let axis = AxisLayout(scale: scale, lower: lo, upper: hi, ticks: [], minorTicks: [], tickLabels: [], label: nil)
        let textStyle = TextStyle(size: style.tickLabelSize)
        var previousRight = -Double.infinity
        for tick in ticks {
            let w = measurer.measure(tick.label, style: textStyle).width
            let centre = axis.fraction(tick.value) * length
            if centre - w / 2 < previousRight + 0.5 * style.tickLabelSize { return true }
            previousRight = centre + w / 2
        }
        return false
    }

    /// The panel with every text placed around `plot`.
    func place(in plot: Rect) -> PanelLayout {
        let p = prepared, panel = p.panel, ts = tickStyle
        var x = AxisLayout(scale: panel.xScale, lower: p.xLower, upper: p.xUpper, ticks: xTicks,
                           minorTicks: xMinor, tickLabels: [], label: nil)
        var y = AxisLayout(scale: panel.yScale, lower: p.yLower, upper: p.yUpper, ticks: yTicks,
                           minorTicks: yMinor, tickLabels: [], label: nil)
        var layout = PanelLayout(row: p.row, column: p.column, panel: panel, plot: plot, x: x, y: y,
                                 yInverted: p.yInverted, gridLines: p.gridLines, title: nil, colorbar: nil,
                                 legend: nil, markColors: p.markColors, markNorms: p.markNorms)
        var maxXH = 0.0
        if p.showXTickLabels {
            let top = plot.maxY + style.tickLength + style.tickPad
            x.tickLabels = xTicks.map { tick in
                let extent = measurer.measure(tick.label, style: ts)
                maxXH = max(maxXH, extent.height)
                return PlacedText(tick.label, style: ts, color: style.foreground, x: layout.px(tick.value), y: top,
                                  anchor: .top, extent: extent)
            }
        }
        var maxYW = 0.0
        if p.showYTickLabels {
            let right = plot.minX - style.tickLength - style.tickPad
            y.tickLabels = yTicks.map { tick in
                let extent = measurer.measure(tick.label, style: ts)
                maxYW = max(maxYW, extent.width)
                return PlacedText(tick.label, style: ts, color: style.foreground, x: right, y: layout.py(tick.value),
                                  anchor: .right, extent: extent)
            }
        }
        if p.showXLabel, let label = panel.xLabel {
            let extent = measurer.measure(label, style: labelStyle)
            let top = plot.maxY + style.tickLength + (maxXH > 0 ? style.tickPad + maxXH : 0) + style.labelPad
            x.label = PlacedText(label, style: labelStyle, color: style.foreground, x: plot.midX, y: top,
                                 anchor: .top, extent: extent)
        }
        if p.showYLabel, let label = panel.yLabel {
            let extent = measurer.measure(label, style: labelStyle)
            let right = plot.minX - style.tickLength - (maxYW > 0 ? style.tickPad + maxYW : 0) - style.labelPad
            y.label = PlacedText(label, style: labelStyle, color: style.foreground, x: right - extent.height / 2,
                                 y: plot.midY, anchor: .center, extent: extent, rotated: true)
        }
        layout.x = x
        layout.y = y
        if let title = panel.title {
            layout.title = PlacedText(title, style: titleStyle, color: style.foreground, x: plot.midX,
                                      y: plot.minY - style.titlePad, anchor: .bottom,
                                      extent: measurer.measure(title, style: titleStyle))
        }
        if let bar = p.colorbar, let spec = panel.colorbar {
            let rect = Rect(x: plot.maxX + colorbarPad, y: plot.minY, width: colorbarWidth, height: plot.height)
            var guide = ColorbarLayout(rect: rect, scale: bar.scale, norm: bar.norm, ticks: colorbarTicks,
                                       tickLabels: [], label: nil)
            let labelX = rect.maxX + style.tickLength + style.tickPad
            var maxW = 0.0
            guide.tickLabels = colorbarTicks.map { tick in
                let extent = measurer.measure(tick.label, style: ts)
                maxW = max(maxW, extent.width)
                return PlacedText(tick.label, style: ts, color: style.foreground, x: labelX, y: guide.y(tick.value),
                                  anchor: .left, extent: extent)
            }
            if let label = spec.label {
                let extent = measurer.measure(label, style: labelStyle)
                guide.label = PlacedText(label, style: labelStyle, color: style.foreground,
                                         x: labelX + maxW + style.labelPad + extent.height / 2, y: rect.midY,
                                         anchor: .center, extent: extent, rotated: true)
            }
            layout.colorbar = guide
        }
        layout.legend = LegendPlacer.place(layout, style: style, measurer: measurer)
        return layout
    }
}
