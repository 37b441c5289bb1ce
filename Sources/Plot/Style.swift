/// Sizes, weights and colours that a figure's description leaves open. All lengths in points.
///
/// Switching `Figure.style` (or calling `figure.styled(.talk)`) restyles a figure without any
/// change to the code that describes its panels and marks.
public struct Style: Equatable, Sendable {
    public var name: String
    /// The size used when a figure does not set one.
    public var defaultSize: FigureSize
    public var tickLabelSize: Double
    public var labelSize: Double
    public var titleSize: Double
    public var suptitleSize: Double
    public var legendSize: Double
    public var annotationSize: Double
    /// No text of a figure in this style may be smaller (the layout audit checks it); heatmap
    /// numbers that would have to shrink below it are left out.
    public var minimumTextSize: Double
    public var lineWidth: Double
    public var axisLineWidth: Double
    public var tickLength: Double
    public var minorTickLength: Double
    public var tickWidth: Double
    /// Gap between a tick and its label.
    public var tickPad: Double
    /// Gap between tick labels and the axis label.
    public var labelPad: Double
    /// Gap between the axes and its title.
    public var titlePad: Double
    /// Margin around the figure and between grid cells.
    public var outerPad: Double
    public var cellGap: Double
    /// Diameter of line markers and the default scatter point.
    public var markerSize: Double
    public var palette: Palette
    public var background: Color
    public var foreground: Color
    public var gridLines: Bool
    public var gridColor: Color

    /// matplotlib's look: 10 pt text, 6.4 × 4.8 in.
    public static let standard = Style(
        name: "standard", defaultSize: .inches(6.4, 4.8),
        tickLabelSize: 10, labelSize: 10, titleSize: 12, suptitleSize: 13, legendSize: 9,
        annotationSize: 8, minimumTextSize: 6, lineWidth: 1.5, axisLineWidth: 0.8, tickLength: 3.5, minorTickLength: 2,
        tickWidth: 0.8, tickPad: 3.5, labelPad: 4, titlePad: 6, outerPad: 4, cellGap: 8,
        markerSize: 5, palette: .okabeIto, background: .white, foreground: Color(hex: 0x222222),
        gridLines: false, gridColor: Color.gray(0.88))

    /// A single journal column: 3.3 in wide, 8–9 pt text, thin lines.
    public static let paper = Style(
        name: "paper", defaultSize: .inches(3.3, 2.5),
        tickLabelSize: 7, labelSize: 8, titleSize: 9, suptitleSize: 9, legendSize: 7,
        annotationSize: 6, minimumTextSize: 5, lineWidth: 1.0, axisLineWidth: 0.6, tickLength: 2.5, minorTickLength: 1.5,
        tickWidth: 0.6, tickPad: 2, labelPad: 2.5, titlePad: 4, outerPad: 2, cellGap: 6,
        markerSize: 3, palette: .okabeIto, background: .white, foreground: Color(hex: 0x222222),
        gridLines: false, gridColor: Color.gray(0.9))

    /// A 16:9 slide: large text, thick lines, light grid lines; nothing under 14 pt on a
    /// 960 × 540 pt page.
    public static let talk = Style(
        name: "talk", defaultSize: .points(960, 540),
        tickLabelSize: 18, labelSize: 20, titleSize: 24, suptitleSize: 28, legendSize: 18,
        annotationSize: 14, minimumTextSize: 14, lineWidth: 3, axisLineWidth: 1.5, tickLength: 7, minorTickLength: 4,
        tickWidth: 1.5, tickPad: 6, labelPad: 8, titlePad: 12, outerPad: 12, cellGap: 24,
        markerSize: 9, palette: .okabeIto, background: .white, foreground: Color(hex: 0x222222),
        gridLines: true, gridColor: Color.gray(0.9))

    /// The talk style on a dark ground, for dark decks: the same sizes; text, axes and grid light.
    /// Okabe–Ito's colours stay distinct on both grounds.
    public static let talkDark: Style = {
        var style = talk
        style.name = "talk-dark"
        style.background = Color(hex: 0x1C1C1E)
        style.foreground = Color(hex: 0xEDEDED)
        style.gridColor = Color.gray(0.3)
        return style
    }()
}
