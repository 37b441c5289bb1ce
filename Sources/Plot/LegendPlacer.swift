/// A panel's legend before it is placed: its entries and the size of its box.
struct LegendContent {
    var items: [(swatch: LegendSwatch, label: String, extent: TextExtent)]
    var columns: Int
    var rowHeight: Double
    var columnWidth: Double
    /// Whether each column is as wide as its own widest entry (Vega's legends), not all as the
    /// widest of all.
    let widthsOfTheirOwn: Bool
    /// With `widthsOfTheirOwn`, each column's width; nil: all `columnWidth`.
    var columnWidths: [Double]?
    var size: Size
    let style: Style

    /// Spacing in ems of the legend's text: padding, swatch width, swatch-to-text gap, and the
    /// gaps between rows and between columns.
    static let padEm = 0.4, swatchEm = 2.0, gapEm = 0.6, rowGapEm = 0.3, columnGapEm = 1.0

    var pad: Double { Self.padEm * style.legendSize }
    var swatchWidth: Double { Self.swatchEm * style.legendSize }
    var gap: Double { Self.gapEm * style.legendSize }
    var rowGap: Double { Self.rowGapEm * style.legendSize }
    var columnGap: Double { Self.columnGapEm * style.legendSize }

    /// The entries of `panel`'s labelled marks, in `columns` columns; nil if none has a label.
    init?(panel: Panel, markColors: [Color], style: Style, measurer: TextMeasuring, columns: Int = 1) {
        self.style = style
        let textStyle = TextStyle(size: style.legendSize)
        let em = style.legendSize
        var items: [(swatch: LegendSwatch, label: String, extent: TextExtent)] = []
        for (i, mark) in panel.marks.enumerated() {
            guard let label = mark.label else { continue }
            let color = markColors[i]
            let swatch: LegendSwatch
            switch mark.kind {
            case .line(let m): swatch = .line(color, width: m.width ?? style.lineWidth, dash: m.dash, marker: m.marker)
            case .rule(let m): swatch = .line(color, width: m.width ?? style.lineWidth * 0.8, dash: m.dash, marker: .none)
            case .scatter(let m): swatch = .marker(color, size: min(m.size ?? style.markerSize, em), shape: .circle, filled: true)
            case .bars: swatch = .patch(color)
            case .band(let m): swatch = .patch(color.withAlpha(m.alpha))
            case .rects(let m): swatch = .patch(m.legendColor ?? color)
            case .symbols(let m):
                swatch = .marker(m.legendColor ?? color, size: min(m.legendDiameter ?? style.markerSize, em), shape: m.legendShape, filled: m.filled)
            case .heatmap, .text: continue
            }
            items.append((swatch, label, measurer.measure(label, style: textStyle)))
        }
        guard !items.isEmpty else { return nil }
        self.items = items
        self.columns = 1
        widthsOfTheirOwn = panel.legendAlignment == .start
        rowHeight = 0; columnWidth = 0; size = Size(width: 0, height: 0); cells = []
        arrange(columns: columns)
    }

    /// The measured entries laid out again in `columns` columns (no text is measured again).
    func arranged(columns: Int) -> LegendContent {
        var copy = self
        copy.arrange(columns: columns)
        return copy
    }

    /// Lays the entries out in `columns` columns.
    private mutating func arrange(columns: Int) {
        let em = style.legendSize
        self.columns = max(1, min(columns, items.count))
        rowHeight = max(items.map(\.extent.height).max() ?? em, em)
        cells = Self.cells(items.map { Self.isHeading($0.swatch) }, columns: self.columns)
        let rows = (cells.map(\.row).max() ?? 0) + 1
        // In several columns headings take a row of their own, flush left, and do not widen the columns.
        let ownRows = self.columns > 1
        let isEntry = items.map { !ownRows || !Self.isHeading($0.swatch) }
        let entries = items.indices.filter { isEntry[$0] }
        let headings = items.indices.filter { !isEntry[$0] }.map { items[$0].extent.width }
        let swatchAndGap = (Self.swatchEm + Self.gapEm) * em
        columnWidth = swatchAndGap + (entries.map { items[$0].extent.width }.max() ?? 0)
        var columnsWidth = Double(self.columns) * columnWidth
        columnWidths = nil
        if widthsOfTheirOwn {
            let cells = self.cells
            let widths = (0..<self.columns).map { c in swatchAndGap + (entries.filter { cells[$0].column == c }.map { items[$0].extent.width }.max() ?? 0) }
            columnWidths = widths
            columnsWidth = widths.reduce(0, +)
        }
        let width = max(2 * Self.padEm * em + columnsWidth + Double(self.columns - 1) * Self.columnGapEm * em,
                        2 * Self.padEm * em + (headings.max() ?? 0))
        size = Size(width: width, height: 2 * Self.padEm * em + Double(rows) * rowHeight + Double(rows - 1) * Self.rowGapEm * em)
    }

    /// Each entry's row and column, filling rows of `columns`; a heading starts a row of its own.
    var cells: [(row: Int, column: Int)]

    /// An entry with no visible swatch is a heading (a legend's title line).
    static func isHeading(_ swatch: LegendSwatch) -> Bool {
        if case .marker(let color, let size, _, _) = swatch { return color.alpha == 0 || size == 0 }
        return false
    }

    static func cells(_ headings: [Bool], columns: Int) -> [(row: Int, column: Int)] {
        var row = 0, column = 0
        var out: [(row: Int, column: Int)] = []
        for heading in headings {
            if heading && columns > 1 {
                if column != 0 { row += 1; column = 0 }
                out.append((row, 0))
                row += 1
                continue
            }
            out.append((row, column))
            column += 1
            if column == columns { column = 0; row += 1 }
        }
        return out
    }

    /// As many columns as fit in `width` (at least one): a legend below a plot.
    static func below(panel: Panel, markColors: [Color], style: Style, measurer: TextMeasuring, width: Double) -> LegendContent? {
        guard var content = LegendContent(panel: panel, markColors: markColors, style: style, measurer: measurer) else { return nil }
        let fit = Int((width - 2 * content.pad + content.columnGap) / (content.columnWidth + content.columnGap))
        if fit > 1 { content = content.arranged(columns: min(fit, content.items.count)) }
        // Columns of their own widths: as many as fit, narrower entries letting more in.
        guard content.widthsOfTheirOwn else { return content }
        for columns in stride(from: content.items.count, to: content.columns, by: -1) {
            let row = content.arranged(columns: columns)
            if row.size.width <= width { return row }
        }
        return content
    }

    /// The legend with its top-left corner at (x, y).
    func layout(x: Double, y: Double) -> LegendLayout {
        let rect = Rect(x: x, y: y, width: size.width, height: size.height)
        let textStyle = TextStyle(size: style.legendSize)
        var entries: [(swatch: LegendSwatch, swatchRect: Rect, text: PlacedText)] = []
        for (i, item) in items.enumerated() {
            let (row, column) = cells[i]
            let top = rect.minY + pad + Double(row) * (rowHeight + rowGap)
            let left = rect.minX + pad + (columnWidths.map { $0[..<column].reduce(0, +) + Double(column) * columnGap }
                                          ?? Double(column) * (columnWidth + columnGap))
            let swatch = Rect(x: left, y: top, width: swatchWidth, height: rowHeight)
            let flush = columns > 1 && Self.isHeading(item.swatch)
            let text = PlacedText(item.label, style: textStyle, color: style.foreground, x: flush ? left : swatch.maxX + gap,
                                  y: top + rowHeight / 2, anchor: .left, extent: item.extent)
            entries.append((item.swatch, swatch, text))
        }
        return LegendLayout(rect: rect, entries: entries)
    }
}

/// Where a legend goes: inside the plot only where it covers no data (the panel's requested
/// corner first, then the corners and edge middles), otherwise outside.
enum LegendPlacer {
    /// Inside places in order of preference, as a function of the plot and the legend's size.
    static let insideOrder: [LegendPlacement] = [.upperRight, .upperLeft, .lowerLeft, .lowerRight]

    /// The legend inside `layout.plot` at the first place whose box covers no sample of the
    /// data; nil when every place would.
    static func inside(_ content: LegendContent, layout: PanelLayout, samples: [Point]) -> LegendLayout? {
        let plot = layout.plot, size = content.size, inset = 0.5 * content.style.legendSize
        guard size.width + 2 * inset <= plot.width, size.height + 2 * inset <= plot.height else { return nil }
        let left = plot.minX + inset, right = plot.maxX - inset - size.width
        let top = plot.minY + inset, bottom = plot.maxY - inset - size.height
        var places: [(Double, Double)] = []
        var order = insideOrder
        if let requested = order.firstIndex(of: layout.panel.legend) { order.insert(order.remove(at: requested), at: 0) }
        for placement in order {
            switch placement {
            case .upperRight: places.append((right, top))
            case .upperLeft: places.append((left, top))
            case .lowerLeft: places.append((left, bottom))
            case .lowerRight: places.append((right, bottom))
            default: break
            }
        }
        // Edge middles: above or below the data's middle, or beside it.
        places += [((left + right) / 2, top), ((left + right) / 2, bottom), (left, (top + bottom) / 2), (right, (top + bottom) / 2)]
        // A thin margin around the box: a line grazing its border counts as covered.
        let margin = 0.2 * content.style.legendSize
        for (x, y) in places {
            let box = Rect(x: x - margin, y: y - margin, width: size.width + 2 * margin, height: size.height + 2 * margin)
            if !samples.contains(where: { box.contains(x: $0.x, y: $0.y) }) { return content.layout(x: x, y: y) }
        }
        return nil
    }
}
