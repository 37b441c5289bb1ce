/// Line dash patterns, scaled by the line width when drawn.
public enum Dash: Equatable, Sendable {
    case solid, dashed, dotted, dashDot

    /// On/off lengths in multiples of the line width (matplotlib's scaled dashes).
    var pattern: [Double] {
        switch self {
        case .solid: return []
        case .dashed: return [3.7, 1.6]
        case .dotted: return [1, 1.65]
        case .dashDot: return [6.4, 1.6, 1, 1.6]
        }
    }
}

/// Marker shapes for lines and scatters.
public enum MarkerShape: Equatable, Sendable {
    case none, circle, square, triangle, diamond
}

/// Where a text's anchor point sits on its box.
public enum Anchor: Equatable, Sendable {
    case center, left, right, top, bottom, topLeft, topRight, bottomLeft, bottomRight
}

/// A polyline through (x, y). NaN or infinite points (or, on a log axis, non-positive ones)
/// break the line into separate pieces, as in matplotlib.
public struct LineMark: Equatable, Sendable {
    public var x: [Double]
    public var y: [Double]
    public var label: String?
    public var color: Color?
    public var width: Double?
    public var dash: Dash
    public var marker: MarkerShape
}

/// How scatter points are coloured.
public enum ScatterColoring: Equatable, Sendable {
    /// One colour (nil: the panel's next palette colour).
    case fixed(Color?)
    /// By value through a colour scale; NaN values take the colormap's `bad` colour.
    case values([Double], ColorScale)
    /// By category index through a palette (nil: the style's palette).
    case categories([Int], Palette?)
}

/// Points at (x, y). Points with a non-finite coordinate are skipped.
public struct ScatterMark: Equatable, Sendable {
    public var x: [Double]
    public var y: [Double]
    /// Diameter in points (nil: the style's marker size).
    public var size: Double?
    public var coloring: ScatterColoring
    public var alpha: Double
    public var label: String?
}

/// A matrix drawn as crisp cells, row 0 at the top, cell (r, c) centred on (c, r).
/// Non-finite cells take the colormap's `bad` colour (transparent unless set).
public struct HeatmapMark: Equatable, Sendable {
    public var matrix: Matrix
    public var scale: ColorScale
    /// Print each value in its cell, in black or white for contrast.
    public var annotate: Bool
    public var decimals: Int
    public var rowLabels: [String]?
    public var columnLabels: [String]?
}

/// Bars from `baseline` to `heights` at `x` (data units), with optional symmetric error bars.
public struct BarMark: Equatable, Sendable {
    public var x: [Double]
    public var heights: [Double]
    public var errors: [Double]?
    /// Bar width in x data units.
    public var width: Double
    public var baseline: Double
    public var label: String?
    public var color: Color?
}

/// A filled region between `lower` and `upper` over `x`, e.g. min to max over seeds.
public struct BandMark: Equatable, Sendable {
    public var x: [Double]
    public var lower: [Double]
    public var upper: [Double]
    public var color: Color?
    public var alpha: Double
    public var label: String?
}

/// A horizontal or vertical reference line across the whole panel.
public struct RuleMark: Equatable, Sendable {
    public enum Orientation: Equatable, Sendable { case horizontal, vertical }
    public var orientation: Orientation
    public var value: Double
    public var color: Color?
    public var width: Double?
    public var dash: Dash
    public var label: String?
}

/// Text at a data position.
public struct TextMark: Equatable, Sendable {
    public var text: String
    public var x: Double
    public var y: Double
    public var anchor: Anchor
    public var color: Color?
    public var size: Double?
}

/// One visual layer of a panel. Build marks with the static functions (`.line(x:y:)`,
/// `.heatmap(_:)`, ...); they are plain values.
public struct Mark: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case line(LineMark)
        case scatter(ScatterMark)
        case heatmap(HeatmapMark)
        case bars(BarMark)
        case band(BandMark)
        case rule(RuleMark)
        case text(TextMark)
        case rects(RectsMark)
        case symbols(SymbolsMark)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public static func line(x: [Double], y: [Double], label: String? = nil, color: Color? = nil,
                            width: Double? = nil, dash: Dash = .solid, marker: MarkerShape = .none) -> Mark {
        Mark(.line(LineMark(x: x, y: y, label: label, color: color, width: width, dash: dash, marker: marker)))
    }

    /// A line over x = 0, 1, 2, ...
    public static func line(y: [Double], label: String? = nil, color: Color? = nil,
                            width: Double? = nil, dash: Dash = .solid, marker: MarkerShape = .none) -> Mark {
        line(x: (0..<y.count).map(Double.init), y: y, label: label, color: color, width: width, dash: dash, marker: marker)
    }

    public static func scatter(x: [Double], y: [Double], color: Color? = nil, size: Double? = nil,
                               alpha: Double = 1, label: String? = nil) -> Mark {
        Mark(.scatter(ScatterMark(x: x, y: y, size: size, coloring: .fixed(color), alpha: alpha, label: label)))
    }

    /// Points coloured by `values` through `scale`; pair with a `Colorbar`.
    public static func scatter(x: [Double], y: [Double], values: [Double], scale: ColorScale = .viridis,
                               size: Double? = nil, alpha: Double = 1, label: String? = nil) -> Mark {
        Mark(.scatter(ScatterMark(x: x, y: y, size: size, coloring: .values(values, scale), alpha: alpha, label: label)))
    }

    /// Points coloured by category index.
    public static func scatter(x: [Double], y: [Double], categories: [Int], palette: Palette? = nil,
                               size: Double? = nil, alpha: Double = 1, label: String? = nil) -> Mark {
        Mark(.scatter(ScatterMark(x: x, y: y, size: size, coloring: .categories(categories, palette), alpha: alpha, label: label)))
    }

    public static func heatmap(_ matrix: Matrix, scale: ColorScale = .viridis, annotate: Bool = false,
                               decimals: Int = 2, rowLabels: [String]? = nil, columnLabels: [String]? = nil) -> Mark {
        Mark(.heatmap(HeatmapMark(matrix: matrix, scale: scale, annotate: annotate, decimals: decimals,
                                  rowLabels: rowLabels, columnLabels: columnLabels)))
    }

    public static func bars(x: [Double], heights: [Double], errors: [Double]? = nil, width: Double = 0.8,
                            baseline: Double = 0, label: String? = nil, color: Color? = nil) -> Mark {
        Mark(.bars(BarMark(x: x, heights: heights, errors: errors, width: width, baseline: baseline, label: label, color: color)))
    }

    /// Grouped bars: `series[s][i]` is series s at category i (x = i). Bars of a group share
    /// `groupWidth` and sit side by side.
    public static func groupedBars(series: [[Double]], errors: [[Double]]? = nil, labels: [String]? = nil,
                                   colors: [Color]? = nil, groupWidth: Double = 0.8, baseline: Double = 0) -> [Mark] {
        let count = max(series.count, 1)
        let width = groupWidth / Double(count)
        return series.enumerated().map { s, heights in
            let offset = -groupWidth / 2 + width * (Double(s) + 0.5)
            return .bars(x: heights.indices.map { Double($0) + offset }, heights: heights,
                         errors: errors.flatMap { s < $0.count ? $0[s] : nil }, width: width, baseline: baseline,
                         label: labels.flatMap { s < $0.count ? $0[s] : nil },
                         color: colors.flatMap { s < $0.count ? $0[s] : nil })
        }
    }

    public static func band(x: [Double], lower: [Double], upper: [Double], color: Color? = nil,
                            alpha: Double = 0.25, label: String? = nil) -> Mark {
        Mark(.band(BandMark(x: x, lower: lower, upper: upper, color: color, alpha: alpha, label: label)))
    }

    public static func hline(_ y: Double, color: Color? = nil, width: Double? = nil, dash: Dash = .dashed,
                             label: String? = nil) -> Mark {
        Mark(.rule(RuleMark(orientation: .horizontal, value: y, color: color, width: width, dash: dash, label: label)))
    }

    public static func vline(_ x: Double, color: Color? = nil, width: Double? = nil, dash: Dash = .dashed,
                             label: String? = nil) -> Mark {
        Mark(.rule(RuleMark(orientation: .vertical, value: x, color: color, width: width, dash: dash, label: label)))
    }

    /// Text (Pango markup) at a data position.
    public static func text(_ text: String, x: Double, y: Double, anchor: Anchor = .center,
                            color: Color? = nil, size: Double? = nil) -> Mark {
        Mark(.text(TextMark(text: text, x: x, y: y, anchor: anchor, color: color, size: size)))
    }

    /// The legend label, if the mark has one.
    var label: String? {
        switch kind {
        case .line(let m): return m.label
        case .scatter(let m): return m.label
        case .bars(let m): return m.label
        case .band(let m): return m.label
        case .rule(let m): return m.label
        case .rects(let m): return m.label
        case .symbols(let m): return m.label
        case .heatmap, .text: return nil
        }
    }
}
