/// Linear or logarithmic axis.
public enum AxisScale: Equatable, Sendable {
    case linear, log
}

/// Which ticks an axis shows.
public enum TickSpec: Equatable, Sendable {
    /// Nice ticks, as many as fit.
    case automatic
    /// No ticks or tick labels.
    case hidden
    /// Exactly these ticks (labels are Pango markup).
    case fixed([Tick])

    /// Ticks at `values`, labelled with `labels` (or formatted values).
    public static func at(_ values: [Double], labels: [String]? = nil) -> TickSpec {
        .fixed(values.enumerated().map { i, v in Tick(v, labels?[i] ?? Ticks.format(v)) })
    }
}

/// Where a panel puts its legend. Inside the plot a legend only goes where it covers no data:
/// the requested corner if that is clear, else the first clear corner or edge middle, else
/// outside (to the right, or below when it is wide), with the plot shrinking to make room.
public enum LegendPlacement: Equatable, Sendable {
    /// The first inside place that covers no data.
    case best
    /// This corner if it covers no data; otherwise as `best`.
    case upperRight, upperLeft, lowerLeft, lowerRight
    /// Outside the plot, whatever the data: right of the plot and its y axis, left of them,
    /// below the x axis, or above the plot (under its title).
    case outsideRight, outsideLeft, outsideBelow, outsideAbove
    case hidden
}

/// Where a legend above or below the plot sits along it: centred under the plot (matplotlib's
/// figure legends), or at its left edge (Vega's top and bottom legends).
public enum LegendAlignment: Equatable, Sendable {
    case centered, start
}

/// The side of the plot where the x axis's ticks, labels and title go.
public enum XAxisSide: Equatable, Sendable {
    case bottom, top
}

/// The side of the plot where the y axis's ticks, labels and title go.
public enum YAxisSide: Equatable, Sendable {
    case left, right
}

/// A colorbar beside a panel, for its first colour-mapped mark (heatmap or value-coloured scatter)
/// unless `scale` and `range` say otherwise.
public struct Colorbar: Equatable, Sendable {
    public var label: String?
    public var scale: ColorScale?
    /// Exactly these ticks (labels are Pango markup); nil: nice ticks, as many as fit.
    public var ticks: [Tick]?

    public init(label: String? = nil, scale: ColorScale? = nil, ticks: [Tick]? = nil) {
        self.label = label
        self.scale = scale
        self.ticks = ticks
    }
}

/// One plot in a figure's grid: marks, two axes, a title, and optional legend and colorbar.
///
/// Data limits default to the finite data plus a 5 % margin (bars and heatmaps: none on their
/// sticky edges). A heatmap makes the panel's aspect equal and its y axis point down unless
/// `aspectEqual`/`yInverted` say otherwise.
public struct Panel: Equatable, Sendable {
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var marks: [Mark]
    public var xScale: AxisScale
    public var yScale: AxisScale
    public var xLimits: ClosedRange<Double>?
    public var yLimits: ClosedRange<Double>?
    public var xTicks: TickSpec
    public var yTicks: TickSpec
    public var colorbar: Colorbar?
    public var legend: LegendPlacement
    /// nil: equal when the panel has a heatmap.
    public var aspectEqual: Bool?
    /// nil: inverted when the panel has a heatmap.
    public var yInverted: Bool?
    /// nil: the style's choice.
    public var gridLines: Bool?
    /// Whether to draw the axes box and ticks; off for panels that only hold text.
    public var frame: Bool
    /// The x tick labels' angle (0, −π/4 or −π/2); nil lets the layout choose.
    public var xTickAngle: Double? = nil
    public var xAxisSide = XAxisSide.bottom
    public var yAxisSide = YAxisSide.left
    /// The plot area's requested size in points; nil: an equal share. Columns and rows of the
    /// grid share the figure in proportion to their panels' requested sizes, and a panel smaller
    /// than its column or row sits at the cell's top left (Vega-Lite's concat views).
    public var plotSize: Size? = nil
    /// Whether marks are cut at the plot area's edges (Vega-Lite draws them whole unless a mark
    /// asks for `clip`).
    public var clipsMarks = true
    public var legendAlignment = LegendAlignment.centered

    public init(title: String? = nil, xLabel: String? = nil, yLabel: String? = nil, marks: [Mark] = [],
                xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                xLimits: ClosedRange<Double>? = nil, yLimits: ClosedRange<Double>? = nil,
                xTicks: TickSpec = .automatic, yTicks: TickSpec = .automatic,
                colorbar: Colorbar? = nil, legend: LegendPlacement = .best,
                aspectEqual: Bool? = nil, yInverted: Bool? = nil, gridLines: Bool? = nil, frame: Bool = true) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.marks = marks
        self.xScale = xScale
        self.yScale = yScale
        self.xLimits = xLimits
        self.yLimits = yLimits
        self.xTicks = xTicks
        self.yTicks = yTicks
        self.colorbar = colorbar
        self.legend = legend
        self.aspectEqual = aspectEqual
        self.yInverted = yInverted
        self.gridLines = gridLines
        self.frame = frame
    }
}
