/// Builds a panel's legend from its labelled marks and puts it in the inside corner that covers
/// the fewest data points (matplotlib's "best"), or where the panel asks.
enum LegendPlacer {
    static func place(_ layout: PanelLayout, style: Style, measurer: TextMeasuring) -> LegendLayout? {
        let panel = layout.panel
        guard panel.legend != .hidden else { return nil }
        let textStyle = TextStyle(size: style.legendSize)
        let em = style.legendSize
        var items: [(LegendSwatch, String)] = []
        for (i, mark) in panel.marks.enumerated() {
            guard let label = mark.label else { continue }
            let color = layout.markColors[i]
            switch mark.kind {
            case .line(let m):
                items.append((.line(color, width: m.width ?? style.lineWidth, dash: m.dash, marker: m.marker), label))
            case .rule(let m):
                items.append((.line(color, width: m.width ?? style.lineWidth * 0.8, dash: m.dash, marker: .none), label))
            case .scatter(let m):
                items.append((.marker(color, size: min(m.size ?? style.markerSize, em)), label))
            case .bars:
                items.append((.patch(color), label))
            case .band(let m):
                items.append((.patch(color.withAlpha(m.alpha)), label))
            case .heatmap, .text:
                break
            }
        }
        guard !items.isEmpty else { return nil }
        let pad = 0.4 * em, swatchWidth = 2 * em, gap = 0.6 * em, rowGap = 0.3 * em
        let extents = items.map { measurer.measure($0.1, style: textStyle) }
        let rowHeight = max(extents.map(\.height).max() ?? em, em)
        let width = pad * 2 + swatchWidth + gap + (extents.map(\.width).max() ?? 0)
        let height = pad * 2 + Double(items.count) * rowHeight + Double(items.count - 1) * rowGap
        let inset = 0.5 * em
        let plot = layout.plot
        let candidates: [(LegendPlacement, Rect)] = [
            (.upperRight, Rect(x: plot.maxX - inset - width, y: plot.minY + inset, width: width, height: height)),
            (.upperLeft, Rect(x: plot.minX + inset, y: plot.minY + inset, width: width, height: height)),
            (.lowerLeft, Rect(x: plot.minX + inset, y: plot.maxY - inset - height, width: width, height: height)),
            (.lowerRight, Rect(x: plot.maxX - inset - width, y: plot.maxY - inset - height, width: width, height: height)),
        ]
        let rect: Rect
        if let chosen = candidates.first(where: { $0.0 == panel.legend }) {
            rect = chosen.1
        } else {
            let points = dataPoints(layout)
            var best = candidates[0].1, fewest = Int.max
            for (_, candidate) in candidates {
                let covered = points.reduce(0) { $0 + (candidate.contains(x: $1.0, y: $1.1) ? 1 : 0) }
                if covered < fewest { fewest = covered; best = candidate }
            }
            rect = best
        }
        var entries: [(swatch: LegendSwatch, swatchRect: Rect, text: PlacedText)] = []
        for (i, item) in items.enumerated() {
            let top = rect.minY + pad + Double(i) * (rowHeight + rowGap)
            let swatch = Rect(x: rect.minX + pad, y: top, width: swatchWidth, height: rowHeight)
            let text = PlacedText(item.1, style: textStyle, color: style.foreground, x: swatch.maxX + gap,
                                  y: top + rowHeight / 2, anchor: .left, extent: extents[i])
            entries.append((item.0, swatch, text))
        }
        return LegendLayout(rect: rect, entries: entries)
    }

    /// Page positions of the data, sampled: line vertices, points, bar tops, band edges.
    static func dataPoints(_ layout: PanelLayout) -> [(Double, Double)] {
        var points: [(Double, Double)] = []
        func add(_ xs: [Double], _ ys: [Double]) {
            let step = max(1, xs.count / 500)
            for i in Swift.stride(from: 0, to: min(xs.count, ys.count), by: step) {
                let px = layout.px(xs[i]), py = layout.py(ys[i])
                if px.isFinite && py.isFinite { points.append((px, py)) }
            }
        }
        for mark in layout.panel.marks {
            switch mark.kind {
            case .line(let m): add(m.x, m.y)
            case .scatter(let m): add(m.x, m.y)
            case .bars(let m):
                add(m.x, m.heights)
                // Bars cover their whole height: sample down to the baseline too.
                for f in [0.25, 0.5, 0.75] { add(m.x, m.heights.map { m.baseline + f * ($0 - m.baseline) }) }
            case .band(let m): add(m.x, m.lower); add(m.x, m.upper)
            case .rule(let m):
                let samples = (0...20).map { Double($0) / 20 }
                if m.orientation == .horizontal {
                    let y = layout.py(m.value)
                    if y.isFinite { points += samples.map { (layout.plot.minX + $0 * layout.plot.width, y) } }
                } else {
                    let x = layout.px(m.value)
                    if x.isFinite { points += samples.map { (x, layout.plot.minY + $0 * layout.plot.height) } }
                }
            case .heatmap, .text: break
            }
        }
        return points
    }
}
