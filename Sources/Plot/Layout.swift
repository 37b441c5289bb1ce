import Foundation
import Reproducible

/// The pure layout pass: a `Figure` and a text measurer in, a `FigureLayout` out.
///
/// Like matplotlib's constrained layout, every panel reserves room for its tick labels, axis
/// labels, title and colorbar; columns take the widest left and right decorations of their
/// panels and rows the tallest top and bottom, and the plot areas share what is left equally.
/// Tick counts depend on the plot size and label widths on the ticks, so the pass runs three
/// times, each from the previous sizes, and again while a legend that found no clear place
/// inside its plot moves outside: to the right, or below (in as many columns as fit under the
/// plot) when it would take more than a third of the plot's width and fits under it.
public enum Layout {
    public static func figure(_ figure: Figure, measurer: TextMeasuring) throws -> FigureLayout {
        let style = figure.style
        let size = figure.resolvedSize
        guard size.width.isFinite, size.height.isFinite, size.width > 0, size.height > 0 else {
            throw PlotError.figureTooSmall(width: size.width, height: size.height,
                                           detail: "the size must be finite and positive")
        }
        let rows = figure.grid.count
        let columns = figure.grid.map(\.count).max() ?? 0
        var prepared = try preparedPanels(figure)
        let frame = Frame(figure, size: size, measurer: measurer)
        guard rows > 0, columns > 0 else {
            var layout = FigureLayout(size: size, style: style, panels: [], suptitle: frame.suptitle)
            layout.caption = frame.caption
            return layout
        }

        // Panels sit in column slots: shared by all rows, or each row's own (`alignsColumns`).
        let slots = ColumnSlots(figure.grid, aligned: figure.alignsColumns)
        let weights = requestedSizes(figure.grid, slots: slots, rows: rows)
        // Initial guess: plots share the figure evenly with room for typical decorations.
        let guessW = size.width / Double(columns) * 0.75
        let guessH = (size.height - frame.top) / Double(rows) * 0.7
        var plotSizes = Array(repeating: Size(width: guessW, height: guessH), count: prepared.count)
        var layouts: [PanelLayout] = []
        // Legends move outside only once sizes have settled (from the third round), and each
        // move is followed by two more rounds so that ticks and room follow the smaller plot.
        var round = 0, lastMove = 0
        while round < max(3, lastMove + 2) && round < 3 + 2 * prepared.count {
            if round >= 2, moveLegendsOutside(&prepared, layouts: layouts, style: style, measurer: measurer) { lastMove = round }
            round += 1
            let decorated = try prepared.indices.map { i in
                try PanelDecorator(prepared: prepared[i], style: style, measurer: measurer, plotSize: plotSizes[i])
            }
            let placed = try arrange(decorated, size: size, frame: frame, slots: slots, rows: rows, weights: weights, style: style)
            plotSizes = placed.map { Size(width: $0.plot.width, height: $0.plot.height) }
            layouts = placed.map(\.layout)
        }
        var layout = FigureLayout(size: size, style: style, panels: layouts, suptitle: frame.suptitle)
        layout.caption = frame.caption
        return layout
    }

    /// Every panel's size-independent facts, in reading order, with limits shared as asked.
    static func preparedPanels(_ figure: Figure) throws -> [PreparedPanel] {
        var prepared: [PreparedPanel] = []
        for (r, row) in figure.grid.enumerated() {
            for (c, panel) in row.enumerated() {
                prepared.append(try PreparedPanel(row: r, column: c, panel: panel, style: figure.style))
            }
        }
        if figure.sharedX { shareX(&prepared, rows: figure.grid.count) }
        if figure.sharedY { shareY(&prepared) }
        return prepared
    }

    /// What surrounds the panels: the suptitle above them, the wrapped caption below, and the
    /// room each takes.
    struct Frame {
        var suptitle: PlacedText?
        /// Where the panels may begin.
        var top: Double
        var caption: [PlacedText] = []
        var captionHeight: Double

        init(_ figure: Figure, size: Size, measurer: TextMeasuring) {
            let style = figure.style
            top = style.outerPad
            if let text = figure.suptitle {
                let textStyle = TextStyle(size: style.suptitleSize)
                let extent = measurer.measure(text, style: textStyle)
                suptitle = PlacedText(text, style: textStyle, color: style.foreground, x: size.width / 2, y: top,
                                      anchor: .top, extent: extent)
                top += extent.height + style.titlePad
            }
            let caption = figure.caption.map { Layout.wrap($0, width: size.width - 2 * style.outerPad, style: style, measurer: measurer) } ?? []
            captionHeight = caption.reduce(0) { $0 + $1.extent.height } + (caption.isEmpty ? 0 : style.titlePad)
            var lineTop = size.height - style.outerPad - captionHeight + (caption.isEmpty ? 0 : style.titlePad)
            for line in caption {
                self.caption.append(PlacedText(line.text, style: line.style, color: style.foreground, x: size.width / 2, y: lineTop,
                                               anchor: .top, extent: line.extent))
                lineTop += line.extent.height
            }
        }
    }

    /// Sends outside (right, or below when wide and it fits) each legend that found no clear
    /// place inside its plot in the last round; whether any moved.
    static func moveLegendsOutside(_ prepared: inout [PreparedPanel], layouts: [PanelLayout], style: Style, measurer: TextMeasuring) -> Bool {
        var moved = false
        for (i, l) in layouts.enumerated() where l.legendWantsOutside {
            moved = true
            let width = l.legend?.rect.width ?? 0
            let below = LegendContent.below(panel: l.panel, markColors: l.markColors, style: style, measurer: measurer,
                                            width: l.plot.width)
            prepared[i].legendSide = width > l.plot.width / 3 && (below?.size.width ?? .infinity) <= l.plot.width ? .below : .right
        }
        return moved
    }

    /// One round's placement: columns take their panels' widest side decorations and rows their
    /// tallest, the plot areas share the rest by weight; each panel's plot rectangle and layout.
    static func arrange(_ decorated: [PanelDecorator], size: Size, frame: Frame, slots: ColumnSlots, rows: Int,
                        weights: (widths: [Double], heights: [Double]), style: Style) throws -> [(plot: Rect, layout: PanelLayout)] {
        let (widths, heights) = weights
        var left = Array(repeating: 0.0, count: slots.count), right = left
        var upper = Array(repeating: 0.0, count: rows), lower = upper
        for d in decorated {
            let k = slots.slot(d.prepared.row, d.prepared.column)
            left[k] = max(left[k], d.left)
            right[k] = max(right[k], d.right)
            upper[d.prepared.row] = max(upper[d.prepared.row], d.top)
            lower[d.prepared.row] = max(lower[d.prepared.row], d.bottom)
        }
        slots.alignFirstPlots(&left)
        let cellW = slots.widths(size.width - 2 * style.outerPad, left: left, right: right, gap: style.cellGap, weights: widths)
        let freeH = size.height - frame.top - style.outerPad - frame.captionHeight - upper.reduce(0, +) - lower.reduce(0, +)
            - Double(rows - 1) * style.cellGap
        let cellH = shares(freeH, weights: heights)
        let usedW = decorated.map { cellW[slots.slot($0.prepared.row, $0.prepared.column)] }
        guard usedW.allSatisfy({ $0 >= 8 }), cellH.allSatisfy({ $0 >= 8 }) else {
            throw PlotError.figureTooSmall(width: size.width, height: size.height,
                                           detail: String(format: "the plot areas would be %.0f x %.0f pt after room for labels",
                                                          usedW.min() ?? 0, cellH.min() ?? 0))
        }
        return decorated.map { d in
            let r = d.prepared.row, c = slots.slot(r, d.prepared.column), first = slots.slot(r, 0)
            let x = style.outerPad + (first..<c).reduce(0.0) { $0 + left[$1] + cellW[$1] + right[$1] + style.cellGap } + left[c]
            let y = frame.top + (0..<r).reduce(0.0) { $0 + upper[$1] + cellH[$1] + lower[$1] + style.cellGap } + upper[r]
            let requested = d.prepared.panel.plotSize
            var plot = Rect(x: x, y: y, width: requested.map { cellW[c] * $0.width / widths[c] } ?? cellW[c],
                            height: requested.map { cellH[r] * $0.height / heights[r] } ?? cellH[r])
            if d.prepared.aspectEqual {
                plot = equalAspect(plot, d.prepared)
            }
            return (plot, d.place(in: plot))
        }
    }

    /// Each column slot's and row's weight: the largest plot size its panels request
    /// (`Panel.plotSize`), or the mean of the others' when none of its panels asks; all 1 when
    /// no panel asks.
    static func requestedSizes(_ grid: [[Panel]], slots: ColumnSlots, rows: Int) -> (widths: [Double], heights: [Double]) {
        var widths = [Double?](repeating: nil, count: slots.count), heights = [Double?](repeating: nil, count: rows)
        for (r, row) in grid.enumerated() {
            for (c, panel) in row.enumerated() {
                guard let s = panel.plotSize, s.width > 0, s.height > 0, s.width.isFinite, s.height.isFinite else { continue }
                widths[slots.slot(r, c)] = max(widths[slots.slot(r, c)] ?? 0, s.width)
                heights[r] = max(heights[r] ?? 0, s.height)
            }
        }
        func filled(_ weights: [Double?]) -> [Double] {
            let known = weights.compactMap { $0 }
            let fallback = known.isEmpty ? 1 : known.reduce(0, +) / Double(known.count)
            return weights.map { $0 ?? fallback }
        }
        return (filled(widths), filled(heights))
    }

    /// `total` split in proportion to `weights` (equal shares for equal weights).
    static func shares(_ total: Double, weights: [Double]) -> [Double] {
        let sum = weights.reduce(0, +)
        if weights.allSatisfy({ $0 == weights[0] }) { return weights.map { _ in total / Double(weights.count) } }
        return weights.map { total * $0 / sum }
    }

    /// Greedy word wrapping of a caption into lines no wider than `width`.
    static func wrap(_ text: String, width: Double, style: Style, measurer: TextMeasuring) -> [(text: String, style: TextStyle, extent: TextExtent)] {
        let textStyle = TextStyle(size: style.labelSize)
        var lines = [(text: String, style: TextStyle, extent: TextExtent)]()
        var current = ""
        for word in text.split(separator: " ") {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if !current.isEmpty && measurer.measure(candidate, style: textStyle).width > width {
                lines.append((current, textStyle, measurer.measure(current, style: textStyle)))
                current = String(word)
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append((current, textStyle, measurer.measure(current, style: textStyle))) }
        return lines
    }

    /// Shrinks `box` so that one data unit is as long on x as on y, centred in the box.
    static func equalAspect(_ box: Rect, _ p: PreparedPanel) -> Rect {
        func span(_ lo: Double, _ hi: Double, _ scale: AxisScale) -> Double {
            scale == .log ? abs(ReproducibleMath.log10(hi) - ReproducibleMath.log10(lo)) : abs(hi - lo)
        }
        let ratio = span(p.xLower, p.xUpper, p.panel.xScale) / span(p.yLower, p.yUpper, p.panel.yScale)
        guard ratio.isFinite, ratio > 0 else { return box }
        if box.width / box.height > ratio {
            let w = box.height * ratio
            return Rect(x: box.midX - w / 2, y: box.y, width: w, height: box.height)
        } else {
            let h = box.width / ratio
            return Rect(x: box.x, y: box.midY - h / 2, width: box.width, height: h)
        }
    }

    static func shareX(_ panels: inout [PreparedPanel], rows: Int) {
        let columns = Set(panels.map(\.column))
        for c in columns {
            let idx = panels.indices.filter { panels[$0].column == c }
            let lo = idx.map { panels[$0].xLower }.min()!, hi = idx.map { panels[$0].xUpper }.max()!
            // The labelled row is the one on the axes' side: the bottom, or the top for top axes.
            let rows = idx.map { panels[$0].row }
            let labelled = idx.allSatisfy({ panels[$0].panel.xAxisSide == .top }) ? rows.min()! : rows.max()!
            for i in idx {
                panels[i].xLower = lo
                panels[i].xUpper = hi
                if panels[i].row != labelled {
                    panels[i].showXTickLabels = false
                    panels[i].showXLabel = false
                }
            }
        }
    }

    static func shareY(_ panels: inout [PreparedPanel]) {
        let rows = Set(panels.map(\.row))
        for r in rows {
            let idx = panels.indices.filter { panels[$0].row == r }
            let lo = idx.map { panels[$0].yLower }.min()!, hi = idx.map { panels[$0].yUpper }.max()!
            // The labelled column is the left one, or the right one for right axes.
            let labelled = idx.allSatisfy({ panels[$0].panel.yAxisSide == .right }) ? idx.map { panels[$0].column }.max()! : 0
            for i in idx {
                panels[i].yLower = lo
                panels[i].yUpper = hi
                if panels[i].column != labelled {
                    panels[i].showYTickLabels = false
                    panels[i].showYLabel = false
                }
            }
        }
    }
}

/// The columns panels sit in. Aligned, every row shares the grid's columns (each as wide as its
/// widest panel needs); unaligned, each row has its own columns, as concatenated rows of
/// different views do in Vega-Lite, left-aligned and drawn to one scale.
struct ColumnSlots {
    /// The slots of each set of columns that share the figure's width, left to right.
    let sets: [Range<Int>]
    let aligned: Bool
    let columns: Int

    init(_ grid: [[Panel]], aligned: Bool) {
        self.aligned = aligned
        columns = grid.map(\.count).max() ?? 0
        let c = columns
        sets = aligned ? [0..<c] : grid.indices.map { r in r * c..<(r * c + grid[r].count) }
    }

    var count: Int { aligned ? columns : columns * sets.count }

    func slot(_ row: Int, _ column: Int) -> Int { aligned ? column : row * columns + column }

    /// Unaligned rows still start their first plots at one x: the room left of each row's first
    /// panel becomes the largest of them.
    func alignFirstPlots(_ left: inout [Double]) {
        guard !aligned else { return }
        let firsts = sets.filter { !$0.isEmpty }.map(\.lowerBound)
        let room = firsts.map { left[$0] }.max() ?? 0
        for k in firsts { left[k] = room }
    }

    /// Each slot's plot width, from `total` less the slots' decorations and gaps: shared in
    /// proportion to `weights` when aligned; unaligned, at the one scale that fits every row.
    func widths(_ total: Double, left: [Double], right: [Double], gap: Double, weights: [Double]) -> [Double] {
        func free(_ set: Range<Int>) -> Double {
            total - set.reduce(0) { $0 + left[$1] } - set.reduce(0) { $0 + right[$1] } - Double(set.count - 1) * gap
        }
        if aligned { return Layout.shares(free(sets[0]), weights: weights) }
        let scale = sets.filter { !$0.isEmpty }.map { free($0) / $0.reduce(0) { $0 + weights[$1] } }.min() ?? 0
        var out = [Double](repeating: 0, count: count)
        for set in sets { for k in set { out[k] = weights[k] * scale } }
        return out
    }
}
