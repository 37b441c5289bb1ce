import Foundation

/// A text with its final position: drawn with its box's `anchor` at `point`, rotated by `angle`
/// (0, or −π/2 for text reading upwards). `bounds` is the rotated box, for overlap checks.
public struct PlacedText: Equatable, Sendable {
    public var markup: String
    public var style: TextStyle
    public var color: Color
    public var x: Double
    public var y: Double
    public var anchor: Anchor
    public var angle: Double
    public var bounds: Rect

    init(_ markup: String, style: TextStyle, color: Color, x: Double, y: Double, anchor: Anchor,
         extent: TextExtent, rotated: Bool = false) {
        self.markup = markup
        self.style = style
        self.color = color
        self.x = x
        self.y = y
        self.anchor = anchor
        self.angle = rotated ? -Double.pi / 2 : 0
        let (fx, fy) = anchor.fractions
        if rotated {
            // Rotated −90°: the text's width runs up the page, its height across.
            bounds = Rect(x: x - fy * extent.height, y: y - (1 - fx) * extent.width,
                          width: extent.height, height: extent.width)
        } else {
            bounds = Rect(x: x - fx * extent.width, y: y - fy * extent.height,
                          width: extent.width, height: extent.height)
        }
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
            return (Foundation.log10(value) - Foundation.log10(lower)) / (Foundation.log10(upper) - Foundation.log10(lower))
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
    case marker(Color, size: Double)
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

    /// Data x to page x in points.
    @inline(__always)
    public func px(_ value: Double) -> Double { plot.minX + x.fraction(value) * plot.width }

    /// Data y to page y in points (down the page).
    @inline(__always)
    public func py(_ value: Double) -> Double {
        let f = y.fraction(value)
        return yInverted ? plot.minY + f * plot.height : plot.maxY - f * plot.height
    }

    /// Every text box of this panel.
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
