import Foundation
import Reproducible

/// A text with its final position: drawn with its box's `anchor` at `point`, rotated by `angle`
/// radians about that point (0 reads left to right; −π/2 reads upwards, −π/4 up and to the right).
/// `corners` are the rotated box's four corners, for exact overlap checks; `bounds` is the
/// axis-aligned rectangle around them.
public struct PlacedText: Equatable, Sendable {
    public var markup: String
    public var style: TextStyle
    public var color: Color
    public var x: Double
    public var y: Double
    public var anchor: Anchor
    public var angle: Double
    public var corners: [Point]
    public var bounds: Rect

    init(_ markup: String, style: TextStyle, color: Color, x: Double, y: Double, anchor: Anchor,
         extent: TextExtent, rotated: Bool = false) {
        self.init(markup, style: style, color: color, x: x, y: y, anchor: anchor, extent: extent,
                  angle: rotated ? -Double.pi / 2 : 0)
    }

    init(_ markup: String, style: TextStyle, color: Color, x: Double, y: Double, anchor: Anchor,
         extent: TextExtent, angle: Double) {
        self.markup = markup
        self.style = style
        self.color = color
        self.x = x
        self.y = y
        self.anchor = anchor
        self.angle = angle
        corners = Self.corners(x: x, y: y, anchor: anchor, extent: extent, angle: angle)
        bounds = Rect(around: corners)
    }

    /// The corners of a box of `extent` whose `anchor` sits at (x, y), turned by `angle` about it.
    static func corners(x: Double, y: Double, anchor: Anchor, extent: TextExtent, angle: Double) -> [Point] {
        let (fx, fy) = anchor.fractions
        let left = -fx * extent.width, top = -fy * extent.height
        // Quarter turns are exact, so that boxes at right angles line up to the last bit.
        let (c, s): (Double, Double) = angle == 0 ? (1, 0) : angle == -Double.pi / 2 ? (0, -1)
            : { let t = ReproducibleMath.sinCos(angle); return (t.cos, t.sin) }()
        return [(left, top), (left + extent.width, top), (left + extent.width, top + extent.height), (left, top + extent.height)]
            .map { dx, dy in Point(x: x + dx * c - dy * s, y: y + dx * s + dy * c) }
    }
}

/// One axis after layout: its scale, limits in data units and its ticks.
public struct AxisLayout: Equatable, Sendable {
    public var scale: AxisScale
    /// Limits in data units; `lower` maps to the left (x) or bottom (y, unless inverted).
    public var lower: Double
    public var upper: Double
    public var ticks: [Tick]
    public var minorTicks: [Double]
    public var tickLabels: [PlacedText]
    public var label: PlacedText?

    /// The fraction 0...1 of the way from `lower` to `upper`; NaN for values a log axis cannot show.
    @inline(__always)
    public func fraction(_ value: Double) -> Double {
        switch scale {
        case .linear:
            return (value - lower) / (upper - lower)
        case .log:
            guard value > 0 else { return .nan }
            return (ReproducibleMath.log10(value) - ReproducibleMath.log10(lower)) / (ReproducibleMath.log10(upper) - ReproducibleMath.log10(lower))
        }
    }
}

/// A colorbar after layout.
public struct ColorbarLayout: Equatable, Sendable {
    public var rect: Rect
    public var scale: ColorScale
    public var norm: ResolvedNorm
    public var ticks: [Tick]
    public var tickLabels: [PlacedText]
    public var label: PlacedText?

    /// The y coordinate of a value on the bar (top is `norm.upper`).
    public func y(_ value: Double) -> Double {
        rect.maxY - norm.normalize(value) * rect.height
    }
}

/// A legend entry's swatch.
public enum LegendSwatch: Equatable, Sendable {
    case line(Color, width: Double, dash: Dash, marker: MarkerShape)
    /// A symbol of the mark's shape, filled or outlined as the mark's symbols are.
    case marker(Color, size: Double, shape: MarkerShape, filled: Bool)
    case patch(Color)
}

/// A legend after layout.
public struct LegendLayout: Equatable, Sendable {
    public var rect: Rect
    public var entries: [(swatch: LegendSwatch, swatchRect: Rect, text: PlacedText)]

    public static func == (a: LegendLayout, b: LegendLayout) -> Bool {
        a.rect == b.rect && a.entries.count == b.entries.count
            && zip(a.entries, b.entries).allSatisfy { $0.swatch == $1.swatch && $0.swatchRect == $1.swatchRect && $0.text == $1.text }
    }
}

/// One panel after layout: where its plot area sits, its axes and guides, and the colour each
/// mark was given.
public struct PanelLayout: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var panel: Panel
    public var plot: Rect
    public var x: AxisLayout
    public var y: AxisLayout
    public var yInverted: Bool
    public var gridLines: Bool
    public var title: PlacedText?
    public var colorbar: ColorbarLayout?
    public var legend: LegendLayout?
    /// The colour of each mark (resolved from the palette when the mark set none).
    public var markColors: [Color]
    /// The resolved norm of each colour-mapped mark (nil for others).
    public var markNorms: [ResolvedNorm?]
    /// Text marks and heatmap cell annotations, placed; drawn inside the plot.
    public var markTexts: [PlacedText] = []
    /// The legend had to go inside over data: the layout pass moves it outside next round.
    var legendWantsOutside = false

    /// Data x to page x in points.
    @inline(__always)
    public func px(_ value: Double) -> Double { plot.minX + x.fraction(value) * plot.width }

    /// Data y to page y in points (down the page).
    @inline(__always)
    public func py(_ value: Double) -> Double {
        let f = y.fraction(value)
        return yInverted ? plot.minY + f * plot.height : plot.maxY - f * plot.height
    }

    /// Every text of this panel: axes, title, colorbar, legend entries and mark texts.
    public var allTexts: [PlacedText] {
        texts + (legend?.entries.map(\.text) ?? []) + markTexts
    }

    /// Every text box of this panel's axes, title and colorbar.
    public var texts: [PlacedText] {
        var all = x.tickLabels + y.tickLabels
        if let t = x.label { all.append(t) }
        if let t = y.label { all.append(t) }
        if let t = title { all.append(t) }
        if let c = colorbar {
            all += c.tickLabels
            if let t = c.label { all.append(t) }
        }
        return all
    }
}

/// A whole figure after layout. Pure data: the drawing pass only reads it.
public struct FigureLayout: Equatable, Sendable {
    public var size: Size
    public var style: Style
    public var panels: [PanelLayout]
    public var suptitle: PlacedText?
    /// The caption's lines, top to bottom.
    public var caption: [PlacedText] = []

    /// Named boxes of every text and guide: tick labels, axis labels, titles, plot areas,
    /// colorbars and legends. None of them should overlap another.
    public var boxes: [(name: String, rect: Rect)] {
        var all: [(String, Rect)] = []
        if let s = suptitle { all.append(("suptitle \(s.markup)", s.bounds)) }
        for line in caption { all.append(("caption \(line.markup)", line.bounds)) }
        for p in panels {
            let tag = "panel[\(p.row),\(p.column)]"
            all.append(("\(tag) plot", p.plot))
            for t in p.texts { all.append(("\(tag) text '\(t.markup)'", t.bounds)) }
            if let c = p.colorbar { all.append(("\(tag) colorbar", c.rect)) }
        }
        return all
    }
}
