/// The numbers a figure draws, as `NAME.data.json` records them beside `NAME.png`: per panel its
/// title, axes (label, scale, the limits actually drawn) and marks (kind, legend label, numbers),
/// and the caption's numbers. `rederive check` and `rederive diff` compare these to say what moved
/// in the data's own terms, and to tell a data change from a change in the drawing alone.
///
/// Derived from the `Figure` value, never per recipe, so every figure writer records the same
/// things. See `Plot.docc/FigureData.md` for the file format.
public struct FigureData: Equatable, Sendable {
    /// The first key of every data file; a reader refuses another.
    public static let format = "rederive figure data 1"
    /// What a figure's data file adds to its prefix: `NAME.png` → `NAME.data.json`.
    public static let suffix = FigureFile.data.suffix

    /// The data file beside a figure file (`Figures/a.png` → `Figures/a.data.json`), or nil for
    /// a file that is not a figure image.
    public static func path(besideFigure path: String) -> String? {
        for ext in [".png", ".pdf", ".svg"] where path.lowercased().hasSuffix(ext) {
            return String(path.dropLast(ext.count)) + suffix
        }
        return nil
    }

    public var suptitle: String?
    /// The caption's text and the numbers in it, in order.
    public var caption: String?
    public var captionNumbers: [Double]
    public var panels: [PanelData]

    public init(suptitle: String?, caption: String?, panels: [PanelData]) {
        self.suptitle = suptitle
        self.caption = caption
        self.captionNumbers = caption.map { NumericText.split($0).numbers } ?? []
        self.panels = panels
    }
}

/// One panel's axes and marks.
public struct PanelData: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var title: String?
    public var x: AxisData
    public var y: AxisData
    public var marks: [MarkData]

    /// "Training loss", or "row 1, column 2" for an untitled panel.
    public var name: String { title.map { "\"\($0)\"" } ?? "row \(row + 1), column \(column + 1)" }
}

/// An axis as drawn: its label, scale ("linear" or "log") and limits (after margins and sharing).
public struct AxisData: Equatable, Sendable {
    public var label: String?
    public var scale: String
    public var lower: Double
    public var upper: Double
}

/// One mark: its kind, legend label, text (text marks only) and named arrays of numbers.
public struct MarkData: Equatable, Sendable {
    public var kind: String
    public var label: String?
    public var text: String?
    public var arrays: [NumberArray]

    public func array(_ name: String) -> NumberArray? { arrays.first { $0.name == name } }
}

/// Numbers with a shape: `[n]` for a series, `[rows, columns]` for a matrix, flat in row order.
public struct NumberArray: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Double]

    public init(_ name: String, _ values: [Double], shape: [Int]? = nil) {
        self.name = name
        self.values = values
        self.shape = shape ?? [values.count]
    }
}

extension FigureData {
    /// The data of `figure`; `caption` overrides the figure's own (a recipe's caption is
    /// written beside the figure, not in it). Throws what layout would throw for bad marks.
    public init(_ figure: Figure, caption: String? = nil) throws {
        var prepared: [PreparedPanel] = []
        for (r, row) in figure.grid.enumerated() {
            for (c, panel) in row.enumerated() {
                prepared.append(try PreparedPanel(row: r, column: c, panel: panel, style: figure.style))
            }
        }
        if figure.sharedX { Layout.shareX(&prepared, rows: figure.grid.count) }
        if figure.sharedY { Layout.shareY(&prepared) }
        self.init(suptitle: figure.suptitle.map(PangoText.plainText), caption: caption ?? figure.caption, panels: prepared.map { p in
            PanelData(row: p.row, column: p.column, title: p.panel.title.map(PangoText.plainText),
                      x: AxisData(label: p.panel.xLabel.map(PangoText.plainText), scale: p.panel.xScale == .log ? "log" : "linear", lower: p.xLower, upper: p.xUpper),
                      y: AxisData(label: p.panel.yLabel.map(PangoText.plainText), scale: p.panel.yScale == .log ? "log" : "linear", lower: p.yLower, upper: p.yUpper),
                      marks: zip(p.panel.marks, p.markNorms).map { MarkData($0, norm: $1) })
        })
    }
}

extension MarkData {
    /// The numbers `mark` draws; `norm` is the colour scale's resolved limits, if it maps values to colours.
    init(_ mark: Mark, norm: ResolvedNorm?) {
        label = mark.label.map(PangoText.plainText)
        text = nil
        var arrays: [NumberArray]
        switch mark.kind {
        case .line(let m):
            kind = "line"; arrays = [NumberArray("x", m.x), NumberArray("y", m.y)]
        case .scatter(let m):
            kind = "scatter"; arrays = [NumberArray("x", m.x), NumberArray("y", m.y)]
            if case .values(let values, _) = m.coloring { arrays.append(NumberArray("color", values)) }
            if case .categories(let categories, _) = m.coloring { arrays.append(NumberArray("category", categories.map(Double.init))) }
        case .heatmap(let m):
            kind = "heatmap"; arrays = [NumberArray("values", m.matrix.values, shape: [m.matrix.rows, m.matrix.columns])]
        case .bars(let m):
            kind = "bars"; arrays = [NumberArray("x", m.x), NumberArray("heights", m.heights)]
            if let errors = m.errors { arrays.append(NumberArray("errors", errors)) }
            arrays.append(NumberArray("baseline", [m.baseline]))
        case .band(let m):
            kind = "band"; arrays = [NumberArray("x", m.x), NumberArray("lower", m.lower), NumberArray("upper", m.upper)]
        case .rule(let m):
            kind = m.orientation == .horizontal ? "hline" : "vline"; arrays = [NumberArray("value", [m.value])]
        case .text(let m):
            kind = "text"; text = PangoText.plainText(m.text); arrays = [NumberArray("x", [m.x]), NumberArray("y", [m.y])]
        case .rects(let m):
            kind = "rects"; arrays = [NumberArray("x0", m.x0), NumberArray("x1", m.x1), NumberArray("y0", m.y0), NumberArray("y1", m.y1),
                                      NumberArray("fill", m.fills.map(Self.rgb))]
        case .symbols(let m):
            kind = "symbols"; arrays = [NumberArray("x", m.x), NumberArray("y", m.y), NumberArray("size", m.diameters),
                                        NumberArray("fill", m.colors.map(Self.rgb))]
        }
        if let norm { arrays.append(NumberArray("color_limits", [norm.lower, norm.upper])) }
        self.arrays = arrays
    }
}

extension MarkData {
    /// A colour as the number 0xRRGGBB: item marks (a Vega-Lite heatmap's cells, say) carry the
    /// values they encode only as colours, so the colours are their data.
    static func rgb(_ color: Color) -> Double {
        func byte(_ v: Double) -> Int { Int((min(max(v, 0), 1) * 255).rounded()) }
        return Double(byte(color.red) << 16 | byte(color.green) << 8 | byte(color.blue))
    }
}

/// Text as words and numbers, so that two captions can be compared number by number.
public enum NumericText {
    public static func split(_ text: String) -> (words: [String], numbers: [Double]) {
        var words = [String](), numbers = [Double]()
        var word = "", number = ""
        func flushNumber() {
            guard !number.isEmpty else { return }
            // A sentence's full stop after a number ("ends at 0.7258.") belongs to the words.
            var stop = ""
            while number.hasSuffix(".") { number.removeLast(); stop += "." }
            if let value = Double(number) {
                words.append(word)
                word = stop
                numbers.append(value)
            } else {
                word += number + stop
            }
            number = ""
        }
        for character in text {
            if character.isASCII && (character.isNumber || (character == "." && !number.isEmpty) || (character == "-" && number.isEmpty)) {
                number.append(character)
            } else {
                flushNumber()
                word.append(character)
            }
        }
        flushNumber()
        words.append(word)
        return (words, numbers)
    }
}
