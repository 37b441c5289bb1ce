import Plot

/// The figure `diff --html` draws for a changed figure: each changed panel once, the old data in
/// grey under the new (as DVC's `plots diff` overlays revisions). A heatmap cannot lie under
/// another, so its panel is drawn twice, old then new, on one colour scale.
enum DataOverlay {
    static let old = Color.gray(0.62)

    /// nil when no panel changed (or none holds marks an overlay can draw).
    static func figure(old: FigureData, new: FigureData) -> Figure? {
        var panels: [Panel] = []
        for (a, b) in zip(old.panels, new.panels) {
            let single = { (p: PanelData) in FigureData(suptitle: nil, caption: nil, panels: [p]) }
            guard !FigureDataDiff().changes(from: single(a), to: single(b)).isEmpty else { continue }
            panels += overlay(a, b)
        }
        guard !panels.isEmpty else { return nil }
        let columns = min(3, panels.count)
        let grid = stride(from: 0, to: panels.count, by: columns).map { Array(panels[$0..<min($0 + columns, panels.count)]) }
        return Figure(size: .inches(3.6 * Double(columns), 3 * Double(grid.count)), dpi: 100, grid: grid)
    }

    static func overlay(_ a: PanelData, _ b: PanelData) -> [Panel] {
        let heatmaps = (a.marks + b.marks).filter { $0.kind == "heatmap" }
        func panel(_ title: String, _ marks: [Mark], x: AxisData, y: AxisData) -> Panel {
            Panel(title: title, xLabel: x.label.map(Markup.escape), yLabel: y.label.map(Markup.escape), marks: marks,
                  xScale: x.scale == "log" ? .log : .linear, yScale: y.scale == "log" ? .log : .linear,
                  xLimits: min(a.x.lower, b.x.lower)...max(a.x.upper, b.x.upper),
                  yLimits: min(a.y.lower, b.y.lower)...max(a.y.upper, b.y.upper), legend: .best)
        }
        let title = Markup.escape(b.title ?? "row \(b.row + 1), column \(b.column + 1)")
        guard heatmaps.isEmpty else {
            let values = heatmaps.flatMap { $0.array("values")?.values ?? [] }.filter(\.isFinite)
            let scale = ColorScale(.viridis, norm: .linear(min: values.min() ?? 0, max: values.max() ?? 1))
            return [(a, "old"), (b, "new")].map { data, side in
                var p = panel("\(title) (\(side))", data.marks.compactMap { heatmap($0, scale) }, x: data.x, y: data.y)
                (p.xLimits, p.yLimits, p.colorbar) = (nil, nil, Colorbar(scale: scale))
                return p
            }
        }
        let marks = a.marks.flatMap { drawn($0, grey: true) } + b.marks.flatMap { drawn($0, grey: false) }
        return [panel("\(title) (grey: old)", marks, x: b.x, y: b.y)]
    }

    /// The mark as an overlay draws it: grey and unlabelled for the old side.
    static func drawn(_ m: MarkData, grey: Bool) -> [Mark] {
        let color = grey ? old : nil
        let label = grey ? nil : m.label.map(Markup.escape)
        let x = m.array("x")?.values ?? [], y = m.array("y")?.values ?? []
        switch m.kind {
        case "line": return [.line(x: x, y: y, label: label, color: color)]
        case "scatter", "symbols": return [.scatter(x: x, y: y, color: color, size: 3, label: label)]
        case "bars":
            let heights = m.array("heights")?.values ?? []
            let step = zip(x.dropFirst(), x).map { abs($0 - $1) }.filter { $0 > 0 }.min() ?? 1
            return [.bars(x: x, heights: heights, width: step * (grey ? 0.8 : 0.45), label: label, color: color)]
        case "band": return [.band(x: x, lower: m.array("lower")?.values ?? [], upper: m.array("upper")?.values ?? [], color: color, label: label)]
        case "hline": return (m.array("value")?.values ?? []).map { .hline($0, color: color, label: label) }
        case "vline": return (m.array("value")?.values ?? []).map { .vline($0, color: color, label: label) }
        case "rects":
            let (x0, x1) = (m.array("x0")?.values ?? [], m.array("x1")?.values ?? [])
            let (y0, y1) = (m.array("y0")?.values ?? [], m.array("y1")?.values ?? [])
            return [.rects(RectsMark(x0: x0, x1: x1, y0: y0, y1: y1, fills: Array(repeating: grey ? old : Color(hex: 0x1f77b4, alpha: 0.6), count: x0.count),
                                     label: label, legendColor: grey ? old : Color(hex: 0x1f77b4)))]
        default: return []
        }
    }

    static func heatmap(_ m: MarkData, _ scale: ColorScale) -> Mark? {
        guard m.kind == "heatmap", let values = m.array("values"), values.shape.count == 2 else { return nil }
        return .heatmap(Matrix(rows: values.shape[0], columns: values.shape[1], values: values.values), scale: scale)
    }
}
