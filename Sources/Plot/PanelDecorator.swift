import Foundation
import Reproducible

/// One panel's ticks and the room its decorations need around a plot of a given size, and the
/// placement of every text once the plot's rectangle is known.
struct PanelDecorator {
    let prepared: PreparedPanel
    let style: Style
    let measurer: TextMeasuring
    var xTicks: [Tick] = [], xMinor: [Double] = []
    var yTicks: [Tick] = [], yMinor: [Double] = []
    /// The angle of the x tick labels (see `TickLabelFitter`).
    var xAngle = TickLabelFit.level
    /// The title, wrapped onto more lines when it is wider than the plot.
    var title: String?
    /// The y axis's and the colorbar's labels, wrapped when longer than the plot is high.
    var yLabel: String?, colorbarLabel: String?
    var colorbarTicks: [Tick] = []
    var colorbarWidth = 0.0
    var colorbarPad = 0.0
    /// Room right of the plot taken by a right y axis, the colorbar and its labels, or by x tick
    /// labels that stick out: an outside legend starts after it.
    var besideRoom = 0.0
    /// Where the colorbar starts right of the plot (after a right y axis), and how far its end
    /// labels overhang the plot's top and bottom.
    var colorbarStart = 0.0, colorbarOverhang = 0.0
    /// Room above the plot taken by a top x axis and an outside legend above: the title goes on top.
    var aboveRoom = 0.0
    var legend: LegendContent?
    var left = 0.0, right = 0.0, top = 0.0, bottom = 0.0

    var tickStyle: TextStyle { TextStyle(size: style.tickLabelSize) }
    var labelStyle: TextStyle { TextStyle(size: style.labelSize) }
    var titleStyle: TextStyle { TextStyle(size: style.titleSize) }

    init(prepared p: PreparedPanel, style: Style, measurer: TextMeasuring, plotSize: Size) throws {
        self.prepared = p
        self.style = style
        self.measurer = measurer
        let panel = p.panel
        let (xSpec, ySpec) = Self.tickSpecs(panel)
        (xTicks, xMinor) = try Self.ticks(xSpec, scale: panel.xScale, lower: p.xLower, upper: p.xUpper,
                                          length: plotSize.width, horizontal: true, integer: p.integerX,
                                          style: style, measurer: measurer, context: "\(p.name) x axis")
        (yTicks, yMinor) = try Self.ticks(ySpec, scale: panel.yScale, lower: p.yLower, upper: p.yUpper,
                                          length: plotSize.height, horizontal: false, integer: p.integerY,
                                          style: style, measurer: measurer, context: "\(p.name) y axis")
        let xAxis = AxisLayout(scale: panel.xScale, lower: p.xLower, upper: p.xUpper, ticks: [], minorTicks: [], tickLabels: [], label: nil)
        let yAxis = AxisLayout(scale: panel.yScale, lower: p.yLower, upper: p.yUpper, ticks: [], minorTicks: [], tickLabels: [], label: nil)
        fitTickLabels(xAxis: xAxis, yAxis: yAxis, plotSize: plotSize)
        wrapTexts(plotSize: plotSize)
        let (maxYH, overflowRight) = addAxisRoom(xAxis, plotSize: plotSize)
        try addColorbar(plotSize: plotSize)
        besideRoom = max(besideRoom, overflowRight)
        right = besideRoom
        // End labels of the y axis and the colorbar overhang the plot by half a line.
        let overhang = max(maxYH / 2, colorbarOverhang)
        bottom = max(bottom, overhang)
        if panel.xAxisSide == .top || p.legendSide == .above { aboveRoom = max(aboveRoom, overhang) }
        addLegend(plotSize: plotSize)
        top = aboveRoom
        if let title {
            top += style.titlePad + measurer.measure(title, style: titleStyle).height
        }
        top = max(top, overhang)
        right += 2
    }

    /// The axes' tick specs, with a heatmap's row and column labels (the first heatmap's) as the
    /// ticks of an axis left automatic.
    static func tickSpecs(_ panel: Panel) -> (x: TickSpec, y: TickSpec) {
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
        return (xSpec, ySpec)
    }

    /// Thins, shortens or turns the tick labels that show until they fit a plot of this size.
    mutating func fitTickLabels(xAxis: AxisLayout, yAxis: AxisLayout, plotSize: Size) {
        let p = prepared, panel = p.panel
        if p.showXTickLabels {
            let fit = panel.xTickAngle.map { angle in
                TickLabelFitter.x(xTicks, angle: angle, positions: { xAxis.fraction($0.value) * plotSize.width }, style: style, measurer: measurer)
            } ?? TickLabelFitter.x(xTicks, positions: { xAxis.fraction($0.value) * plotSize.width }, style: style, measurer: measurer)
            xTicks = fit.ticks
            xAngle = fit.angle
        }
        if p.showYTickLabels {
            yTicks = TickLabelFitter.y(yTicks, positions: { yAxis.fraction($0.value) * plotSize.height }, style: style, measurer: measurer)
        }
    }

    /// The title, the y label and the colorbar's label, wrapped to the plot's width or height.
    mutating func wrapTexts(plotSize: Size) {
        let panel = prepared.panel, style = style, measurer = measurer
        title = panel.title.map { Self.wrapped($0, width: plotSize.width, style: TextStyle(size: style.titleSize), measurer: measurer) }
        yLabel = panel.yLabel.map { Self.wrapped($0, width: plotSize.height, style: TextStyle(size: style.labelSize), measurer: measurer) }
        colorbarLabel = panel.colorbar?.label.map {
            Self.wrapped($0, width: plotSize.height, style: TextStyle(size: style.labelSize), measurer: measurer)
        }
    }

    /// Room for the axes around a plot of this size (ticks, tick labels, axis labels), and for
    /// the x tick labels, title and x label that stick out past its sides (the left side's is
    /// taken here). Returns the y tick labels' height (their end labels overhang the plot by
    /// half of it) and the overflow on the right.
    mutating func addAxisRoom(_ xAxis: AxisLayout, plotSize: Size) -> (maxYH: Double, overflowRight: Double) {
        let p = prepared, panel = p.panel, ts = tickStyle
        let yExtents = p.showYTickLabels ? yTicks.map { measurer.measure($0.label, style: ts) } : []
        let maxYW = yExtents.map(\.width).max() ?? 0
        let maxYH = yExtents.map(\.height).max() ?? 0
        // The x tick labels as they would sit beside a plot of this size, for the room they take.
        let guessPlot = Rect(x: 0, y: 0, width: plotSize.width, height: plotSize.height)
        let xLabels = p.showXTickLabels ? xTickLabels(xAxis, plot: guessPlot) : []
        let xOutside = xLabels.map { panel.xAxisSide == .top ? guessPlot.minY - $0.bounds.minY : $0.bounds.maxY - guessPlot.maxY }
            .max().map { $0 - style.tickLength } ?? 0

        var yRoom = style.tickLength + (maxYW > 0 ? style.tickPad + maxYW : 0)
        if p.showYLabel, let label = yLabel {
            yRoom += style.labelPad + measurer.measure(label, style: labelStyle).height
        }
        var xRoom = style.tickLength + max(0, xOutside)
        if p.showXLabel, let label = panel.xLabel {
            xRoom += style.labelPad + measurer.measure(label, style: labelStyle).height
        }
        // Each side stacks outwards: the axis, then an outside legend (or colorbar), then the title.
        if panel.xAxisSide == .top { aboveRoom = xRoom } else { bottom = xRoom }
        if panel.yAxisSide == .right { besideRoom = yRoom } else { left = yRoom }
        // First and last x tick labels may stick out past the plot's sides.
        var overflowLeft = 0.0, overflowRight = 0.0
        for label in xLabels {
            overflowLeft = max(overflowLeft, -label.bounds.minX)
            overflowRight = max(overflowRight, label.bounds.maxX - plotSize.width)
        }
        // Titles and x labels wider than the plot stick out on both sides.
        for (text, textStyle) in [(title, titleStyle), (p.showXLabel ? panel.xLabel : nil, labelStyle)] {
            guard let text else { continue }
            let spill = (measurer.measure(text, style: textStyle).width - plotSize.width) / 2
            overflowLeft = max(overflowLeft, spill)
            overflowRight = max(overflowRight, spill)
        }
        left = max(left, overflowLeft)
        return (maxYH, overflowRight)
    }

    /// Room for the colorbar right of the plot and its y axis, with its ticks and label.
    mutating func addColorbar(plotSize: Size) throws {
        guard let bar = prepared.colorbar, let spec = prepared.panel.colorbar else { return }
        let ts = tickStyle
        colorbarWidth = min(max(plotSize.height / 20, 0.5 * style.tickLabelSize), 1.5 * style.tickLabelSize)
        colorbarPad = 2 * style.labelPad
        let lower = bar.norm.lower, upper = bar.norm.upper
        if let fixed = spec.ticks {
            colorbarTicks = fixed
        } else if bar.norm.isLog {
            colorbarTicks = try Ticks.log(lower: lower, upper: upper, maxCount: Self.bins(plotSize.height, horizontal: false, style: style) + 1).major
        } else {
            colorbarTicks = try Ticks.linear(lower: lower, upper: upper, maxCount: Self.bins(plotSize.height, horizontal: false, style: style) + 1)
        }
        let widths = colorbarTicks.map { measurer.measure($0.label, style: ts) }
        var room = colorbarPad + colorbarWidth + style.tickLength + style.tickPad + (widths.map(\.width).max() ?? 0)
        if let label = colorbarLabel {
            room += style.labelPad + measurer.measure(label, style: labelStyle).height
        }
        colorbarStart = prepared.panel.yAxisSide == .right ? besideRoom : 0
        besideRoom = max(besideRoom, colorbarStart + room)
        colorbarOverhang = (widths.map(\.height).max() ?? 0) / 2
    }

    /// The legend's content, and its room when it goes outside the plot.
    mutating func addLegend(plotSize: Size) {
        let p = prepared
        switch p.legendSide {
        case .right?, .left?:
            legend = LegendContent(panel: p.panel, markColors: p.markColors, style: style, measurer: measurer)
            guard let legend else { return }
            if p.legendSide == .right { right += legendPad + legend.size.width } else { left += legendPad + legend.size.width }
        case .below?, .above?:
            legend = LegendContent.below(panel: p.panel, markColors: p.markColors, style: style, measurer: measurer, width: plotSize.width)
            guard let legend else { return }
            if p.legendSide == .below { bottom += legendPad + legend.size.height } else { aboveRoom += legendPad + legend.size.height }
        case nil:
            if p.panel.legend != .hidden {
                legend = LegendContent(panel: p.panel, markColors: p.markColors, style: style, measurer: measurer)
            }
        }
    }

    /// The gap between a plot's decorations and an outside legend.
    var legendPad: Double { 2 * style.labelPad }

    /// `text` on as few lines (up to three, broken at spaces) as keep it within `width`.
    static func wrapped(_ text: String, width: Double, style: TextStyle, measurer: TextMeasuring) -> String {
        guard measurer.measure(text, style: style).width > width else { return text }
        var best = text
        for lines in [2, 3] {
            best = TickLabelFitter.wrap(text, lines: lines, style: style, measurer: measurer)
            if measurer.measure(best, style: style).width <= width { break }
        }
        return best
    }

    /// The x tick labels beside `plot` (under it, or above for a top axis), at the fitted angle:
    /// level labels hang centred on their tick; turned ones end at it below the plot and start
    /// at it above.
    func xTickLabels(_ axis: AxisLayout, plot: Rect) -> [PlacedText] {
        let atTop = prepared.panel.xAxisSide == .top
        let edge = atTop ? plot.minY - style.tickLength - style.tickPad : plot.maxY + style.tickLength + style.tickPad
        return xTicks.map { tick in
            let extent = measurer.measure(tick.label, style: tickStyle)
            let x = plot.minX + axis.fraction(tick.value) * plot.width
            if xAngle == TickLabelFit.level {
                return PlacedText(tick.label, style: tickStyle, color: style.foreground, x: x, y: edge, anchor: atTop ? .bottom : .top,
                                  extent: extent)
            }
            // Anchored at the end (or start) of the text's middle line, moved so that its corner
            // nearest the plot stays at `edge`.
            let drop = extent.height / 2 * abs(ReproducibleMath.sinCos(xAngle).cos)
            return PlacedText(tick.label, style: tickStyle, color: style.foreground, x: x, y: atTop ? edge - drop : edge + drop,
                              anchor: atTop ? .left : .right, extent: extent, angle: xAngle)
        }
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
        if p.showXTickLabels { x.tickLabels = xTickLabels(x, plot: plot) }
        let xAtTop = panel.xAxisSide == .top, yAtRight = panel.yAxisSide == .right
        var maxYW = 0.0
        if p.showYTickLabels {
            let edge = yAtRight ? plot.maxX + style.tickLength + style.tickPad : plot.minX - style.tickLength - style.tickPad
            y.tickLabels = yTicks.map { tick in
                let extent = measurer.measure(tick.label, style: ts)
                maxYW = max(maxYW, extent.width)
                return PlacedText(tick.label, style: ts, color: style.foreground, x: edge, y: layout.py(tick.value),
                                  anchor: yAtRight ? .left : .right, extent: extent)
            }
        }
        if p.showXLabel, let label = panel.xLabel {
            let extent = measurer.measure(label, style: labelStyle)
            if xAtTop {
                let bottom = min(plot.minY - style.tickLength, x.tickLabels.map(\.bounds.minY).min() ?? plot.minY) - style.labelPad
                x.label = PlacedText(label, style: labelStyle, color: style.foreground, x: plot.midX, y: bottom, anchor: .bottom, extent: extent)
            } else {
                let top = max(plot.maxY + style.tickLength, x.tickLabels.map(\.bounds.maxY).max() ?? 0) + style.labelPad
                x.label = PlacedText(label, style: labelStyle, color: style.foreground, x: plot.midX, y: top, anchor: .top, extent: extent)
            }
        }
        if p.showYLabel, let label = yLabel {
            let extent = measurer.measure(label, style: labelStyle)
            let labels = maxYW > 0 ? style.tickPad + maxYW : 0
            // A right axis's title reads downwards, as Vega draws it.
            let x = yAtRight ? plot.maxX + style.tickLength + labels + style.labelPad + extent.height / 2
                : plot.minX - style.tickLength - labels - style.labelPad - extent.height / 2
            y.label = PlacedText(label, style: labelStyle, color: style.foreground, x: x, y: plot.midY, anchor: .center, extent: extent,
                                 angle: yAtRight ? Double.pi / 2 : -Double.pi / 2)
        }
        layout.x = x
        layout.y = y
        if let bar = p.colorbar, panel.colorbar != nil {
            let rect = Rect(x: plot.maxX + colorbarStart + colorbarPad, y: plot.minY, width: colorbarWidth, height: plot.height)
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
            if let label = colorbarLabel {
                let extent = measurer.measure(label, style: labelStyle)
                guide.label = PlacedText(label, style: labelStyle, color: style.foreground,
                                         x: labelX + maxW + style.labelPad + extent.height / 2, y: rect.midY,
                                         anchor: .center, extent: extent, rotated: true)
            }
            layout.colorbar = guide
        }
        layout.markTexts = markTexts(layout)
        var titleBottom = min(plot.minY, (layout.texts.map(\.bounds.minY)).min() ?? plot.minY)
        if let legend {
            (layout.legend, layout.legendWantsOutside) = placeLegend(legend, layout: layout, above: &titleBottom)
        }
        if let title {
            layout.title = PlacedText(title, style: titleStyle, color: style.foreground, x: plot.midX,
                                      y: (xAtTop || p.legendSide == .above ? titleBottom : plot.minY) - style.titlePad, anchor: .bottom,
                                      extent: measurer.measure(title, style: titleStyle))
        }
        return layout
    }

    /// The legend on its side of the laid-out panel (whose title is not placed yet); a legend
    /// above moves `above`, the top of what lies over the plot, up past itself.
    /// The flag is set when the legend had to go over the data (see `Layout`).
    func placeLegend(_ legend: LegendContent, layout: PanelLayout, above: inout Double) -> (LegendLayout, Bool) {
        let plot = layout.plot
        let texts = layout.texts
        switch prepared.legendSide {
        case .right?:
            return (legend.layout(x: plot.maxX + besideRoom + legendPad, y: plot.minY), false)
        case .left?:
            let edge = min(plot.minX - (prepared.panel.yAxisSide == .left ? style.tickLength : 0), texts.map(\.bounds.minX).min() ?? plot.minX)
            return (legend.layout(x: edge - legendPad - legend.size.width, y: plot.minY), false)
        case .below?:
            let edge = max(plot.maxY + style.tickLength, texts.map(\.bounds.maxY).max() ?? plot.maxY)
            return (legend.layout(x: alongPlot(legend, plot), y: edge + legendPad), false)
        case .above?:
            let edge = min(above, plot.minY - (prepared.panel.xAxisSide == .top ? style.tickLength : 0))
            above = edge - legendPad - legend.size.height
            return (legend.layout(x: alongPlot(legend, plot), y: above), false)
        case nil:
            if let inside = LegendPlacer.inside(legend, layout: layout, samples: DataFootprint.samples(layout)) { return (inside, false) }
            // Drawn over the data for now; `Layout` moves it outside and lays out again.
            return (legend.layout(x: plot.maxX - legend.size.width, y: plot.minY), true)
        }
    }

    /// The left edge of a legend above or below the plot.
    func alongPlot(_ legend: LegendContent, _ plot: Rect) -> Double {
        prepared.panel.legendAlignment == .start ? plot.minX : plot.midX - legend.size.width / 2
    }

    /// Text marks, and each heatmap cell's value where it fits at the style's minimum size.
    func markTexts(_ layout: PanelLayout) -> [PlacedText] {
        var texts: [PlacedText] = []
        for (i, mark) in layout.panel.marks.enumerated() {
            switch mark.kind {
            case .text(let m):
                let textStyle = TextStyle(size: m.size ?? style.annotationSize)
                texts.append(PlacedText(m.text, style: textStyle, color: layout.markColors[i], x: layout.px(m.x), y: layout.py(m.y),
                                        anchor: m.anchor, extent: measurer.measure(m.text, style: textStyle)))
            case .heatmap(let m) where m.annotate:
                guard let norm = layout.markNorms[i] else { continue }
                let rows = m.matrix.rows, cols = m.matrix.columns
                let x0 = layout.px(-0.5), x1 = layout.px(Double(cols) - 0.5)
                let y0 = layout.py(-0.5), y1 = layout.py(Double(rows) - 0.5)
                guard x0.isFinite, x1.isFinite, y0.isFinite, y1.isFinite else { continue }
                let cw = (x1 - x0) / Double(cols), ch = (y1 - y0) / Double(rows)
                // Shrink the numbers to fit small cells: 0.6 em per character, 1.3 em per line.
                let widest = Double(m.matrix.values.map { Ticks.fixed($0, decimals: m.decimals).count }.max() ?? 1)
                let size = min(style.annotationSize, abs(cw) / (0.6 * widest + 0.4), abs(ch) / 1.3)
                guard size >= style.minimumTextSize else { continue }
                let textStyle = TextStyle(size: size)
                for r in 0..<rows {
                    for c in 0..<cols {
                        let value = m.matrix[r, c]
                        guard value.isFinite else { continue }
                        let label = Ticks.fixed(value, decimals: m.decimals)
                        let color = m.scale.colormap.color(at: norm.normalize(value)).contrastingText
                        texts.append(PlacedText(label, style: textStyle, color: color, x: x0 + (Double(c) + 0.5) * cw,
                                                y: y0 + (Double(r) + 0.5) * ch, anchor: .center,
                                                extent: measurer.measure(label, style: textStyle)))
                    }
                }
            default:
                break
            }
        }
        return texts
    }
}
