/// A whole figure: a grid of panels, a size, a resolution and a style. A plain value; rendering
/// is `Renderer.png(_:)`, `.pdf(_:)`, `.svg(_:)` or the `write…` methods.
public struct Figure: Equatable, Sendable {
    /// nil: the style's default size.
    public var size: FigureSize?
    /// Pixels per inch of PNG output (PDF and SVG are vector).
    public var dpi: Double
    public var style: Style
    public var suptitle: String?
    /// Text under the panels, wrapped to the figure's width (e.g. a slide's caption).
    public var caption: String?
    /// Rows of panels; shorter rows leave empty cells on the right.
    public var grid: [[Panel]]
    /// Panels in a column share x limits; only the bottom row labels its x axis.
    public var sharedX: Bool
    /// Panels in a row share y limits; only the left column labels its y axis.
    public var sharedY: Bool
    /// Rows share their columns' widths (a grid); false: each row lays out its own panels,
    /// left-aligned, all at one scale (Vega-Lite's rows of concatenated views).
    public var alignsColumns = true

    public init(size: FigureSize? = nil, dpi: Double = 150, style: Style = .standard,
                suptitle: String? = nil, sharedX: Bool = false, sharedY: Bool = false,
                grid: [[Panel]]) {
        self.size = size
        self.dpi = dpi
        self.style = style
        self.suptitle = suptitle
        self.grid = grid
        self.sharedX = sharedX
        self.sharedY = sharedY
    }

    /// A figure with one panel.
    public init(_ panel: Panel, size: FigureSize? = nil, dpi: Double = 150, style: Style = .standard,
                suptitle: String? = nil) {
        self.init(size: size, dpi: dpi, style: style, suptitle: suptitle, grid: [[panel]])
    }

    /// The same figure in another style, at that style's default size.
    public func styled(_ style: Style, keepSize: Bool = false) -> Figure {
        var copy = self
        copy.style = style
        if !keepSize { copy.size = nil }
        return copy
    }

    /// The size in points after applying the style default.
    public var resolvedSize: Size { (size ?? style.defaultSize).points }

    /// PNG size in pixels. Throws unless both are within Cairo's 1…32767.
    public func pixelSize() throws -> (width: Int, height: Int) {
        let s = resolvedSize
        let w = (s.width * dpi / 72).rounded(), h = (s.height * dpi / 72).rounded()
        guard w >= 1, h >= 1, w <= 32767, h <= 32767 else {
            throw PlotError.invalidPixelSize(width: w, height: h, dpi: dpi)
        }
        return (Int(w), Int(h))
    }
}
