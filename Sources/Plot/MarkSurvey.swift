/// What a panel's marks say about it, read once in order: each mark's colour and norm (the
/// palette cycles through the marks without a colour of their own), the data extents, whether a
/// heatmap is among them, and the first colour scale (the colour bar's default).
struct MarkSurvey {
    let style: Style
    /// The panel's name, for errors.
    let name: String
    let xLog: Bool
    let yLog: Bool
    var colors: [Color] = []
    var norms: [ResolvedNorm?] = []
    var heatmap = false
    var cycle = 0
    var firstScale: (ColorScale, ResolvedNorm)?
    var xs = Extent(), ys = Extent()

    init(style: Style, panel name: String, xLog: Bool, yLog: Bool) {
        self.style = style; self.name = name; self.xLog = xLog; self.yLog = yLog
    }

    mutating func add(_ mark: Mark) throws {
        var norm: ResolvedNorm? = nil
        var color = style.foreground
        switch mark.kind {
        case .line(let m):
            try PreparedPanel.check(m.x.count, m.y.count, "line", name)
            color = m.color ?? style.palette[cycle]; if m.color == nil { cycle += 1 }
            try xs.add(m.x, log: xLog, mark: "line", panel: name)
            try ys.add(m.y, log: yLog, mark: "line", panel: name)
        case .scatter(let m):
            (color, norm) = try addScatter(m)
        case .heatmap(let m):
            norm = try addHeatmap(m)
        case .bars(let m):
            color = try addBars(m)
        case .band(let m):
            try PreparedPanel.check(m.x.count, m.lower.count, "band", name)
            try PreparedPanel.check(m.x.count, m.upper.count, "band", name)
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

    private mutating func addScatter(_ m: ScatterMark) throws -> (Color, ResolvedNorm?) {
        try PreparedPanel.check(m.x.count, m.y.count, "scatter", name)
        var norm: ResolvedNorm? = nil
        let color: Color
        switch m.coloring {
        case .fixed(let c):
            color = c ?? style.palette[cycle]; if c == nil { cycle += 1 }
        case .values(let values, let scale):
            try PreparedPanel.check(m.x.count, values.count, "scatter colour values", name)
            let resolved = ResolvedNorm.resolve(scale.norm, values: values)
            norm = resolved
            color = scale.colormap.color(at: 0.5)
            if firstScale == nil { firstScale = (scale, resolved) }
        case .categories(let cats, let palette):
            try PreparedPanel.check(m.x.count, cats.count, "scatter categories", name)
            color = (palette ?? style.palette)[0]
        }
        try xs.add(m.x, log: xLog, mark: "scatter", panel: name)
        try ys.add(m.y, log: yLog, mark: "scatter", panel: name)
        return (color, norm)
    }

    private mutating func addHeatmap(_ m: HeatmapMark) throws -> ResolvedNorm {
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
        if firstScale == nil { firstScale = (m.scale, resolved) }
        xs.addSticky(-0.5, Double(matrix.columns) - 0.5)
        ys.addSticky(-0.5, Double(matrix.rows) - 0.5)
        return resolved
    }

    private mutating func addBars(_ m: BarMark) throws -> Color {
        try PreparedPanel.check(m.x.count, m.heights.count, "bars", name)
        if let e = m.errors { try PreparedPanel.check(m.x.count, e.count, "bar errors", name) }
        let color = m.color ?? style.palette[cycle]; if m.color == nil { cycle += 1 }
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
        return color
    }
}
