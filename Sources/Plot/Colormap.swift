/// A continuous colour map: 256 entries looked up without interpolation (as matplotlib does), and
/// a `bad` colour for NaN.
public struct Colormap: Equatable, Sendable {
    public var name: String
    public var entries: [Color]
    /// The colour of non-finite values (NaN, ±inf). Transparent by default, like matplotlib.
    public var bad: Color

    public init(name: String, entries: [Color], bad: Color = .clear) {
        precondition(!entries.isEmpty, "a colormap needs at least one entry")
        self.name = name
        self.entries = entries
        self.bad = bad
    }

    init(name: String, table: [UInt32]) {
        self.init(name: name, entries: table.map { Color(hex: $0) })
    }

    /// The colour at `t` in 0...1; values outside are clamped, NaN gives `bad`.
    public func color(at t: Double) -> Color {
        guard t.isFinite else { return t.isNaN ? bad : (t > 0 ? entries[entries.count - 1] : entries[0]) }
        return entries[index(at: t)]
    }

    /// The LUT index of `t`: floor(t * N) clamped to 0...N-1, matplotlib's rule.
    public func index(at t: Double) -> Int {
        let n = entries.count
        let scaled = (t * Double(n)).rounded(.down)
        if !(scaled >= 0) { return 0 }
        return min(n - 1, Int(scaled))
    }

    public func withBad(_ color: Color) -> Colormap {
        var copy = self
        copy.bad = color
        return copy
    }

    public static let viridis = Colormap(name: "viridis", table: viridisTable)
    public static let magma = Colormap(name: "magma", table: magmaTable)
    /// Diverging blue–white–red (ColorBrewer RdBu, reversed so that positive is red). Pair it
    /// with `ColorNorm.centered()` so that white means zero.
    public static let blueWhiteRed = Colormap(name: "blue-white-red", table: blueWhiteRedTable)
}
