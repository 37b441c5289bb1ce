/// Categorical colours for series and categories. Index past the end wraps around.
public struct Palette: Equatable, Sendable {
    public var colors: [Color]

    public init(_ colors: [Color]) {
        precondition(!colors.isEmpty, "a palette needs at least one colour")
        self.colors = colors
    }

    public subscript(index: Int) -> Color {
        colors[((index % colors.count) + colors.count) % colors.count]
    }

    /// Okabe & Ito (2008), distinguishable under the common colour-vision deficiencies.
    /// Reordered so that the first series is blue, as readers expect.
    public static let okabeIto = Palette([
        Color(hex: 0x0072B2), Color(hex: 0xE69F00), Color(hex: 0x009E73), Color(hex: 0xD55E00),
        Color(hex: 0x56B4E9), Color(hex: 0xCC79A7), Color(hex: 0xF0E442), Color(hex: 0x000000),
    ])

    /// matplotlib's default cycle (Tableau 10), for figures that should look like matplotlib's.
    public static let tableau10 = Palette([
        Color(hex: 0x1f77b4), Color(hex: 0xff7f0e), Color(hex: 0x2ca02c), Color(hex: 0xd62728),
        Color(hex: 0x9467bd), Color(hex: 0x8c564b), Color(hex: 0xe377c2), Color(hex: 0x7f7f7f),
        Color(hex: 0xbcbd22), Color(hex: 0x17becf),
    ])
}
