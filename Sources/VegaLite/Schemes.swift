import Plot
import Reproducible

/// Vega's named colour schemes and Vega-Lite's defaults per channel type: nominal "category"
/// (tableau10), ordinal "ordinal" (blues), quantitative "ramp" (blues), quantitative colour on
/// rect marks "heatmap" (yellowgreenblue). https://vega.github.io/vega/docs/schemes/
enum Schemes {
    static let categorical: [String: [UInt32]] = [
        "category10": SchemeTables.category10, "tableau10": SchemeTables.tableau10, "set2": SchemeTables.set2,
    ]
    static let continuousNames = ["viridis", "magma", "inferno", "plasma", "blues", "greens", "reds", "greys",
                                  "redblue", "blueorange", "yellowgreenblue"]
    static var supported: String { (categorical.keys.sorted() + continuousNames).joined(separator: ", ") }

    static func isCategorical(_ name: String) -> Bool { categorical[name] != nil }

    /// A categorical palette by name.
    static func palette(_ name: String) -> [Color]? {
        categorical[name]?.map { Color(hex: $0) }
    }

    /// A 256-entry colormap of a continuous scheme: sampled tables (viridis family) as they
    /// are; ColorBrewer ramps through d3's `interpolateRgbBasis` (a uniform B-spline), as Vega does.
    static func colormap(_ name: String) -> Colormap? {
        switch name {
        case "viridis": return Colormap.viridis
        case "magma": return Colormap.magma
        case "inferno": return Colormap(name: name, entries: SchemeTables.inferno.map { Color(hex: $0) })
        case "plasma": return Colormap(name: name, entries: SchemeTables.plasma.map { Color(hex: $0) })
        case "blues": return basis(name, SchemeTables.blues)
        case "greens": return basis(name, SchemeTables.greens)
        case "reds": return basis(name, SchemeTables.reds)
        case "greys": return basis(name, SchemeTables.greys)
        case "redblue": return basis(name, SchemeTables.redblue)
        case "yellowgreenblue": return basis(name, SchemeTables.yellowgreenblue)
        case "blueorange": return basis(name, SchemeTables.blueorange)
        default: return nil
        }
    }

    static func basis(_ name: String, _ table: [UInt32]) -> Colormap {
        let colors = table.map { Color(hex: $0) }
        let entries = (0..<256).map { i in interpolateBasis(colors, Double(i) / 255) }
        return Colormap(name: name, entries: entries)
    }

    /// d3-interpolate's rgbBasis at t, each channel rounded to 8 bits as d3's rgb() prints it.
    static func interpolateBasis(_ colors: [Color], _ t: Double) -> Color {
        func channel(_ values: [Double]) -> Double {
            let n = values.count - 1
            var t = t, i: Int
            if t <= 0 { t = 0; i = 0 } else if t >= 1 { t = 1; i = n - 1 } else { i = Int((t * Double(n)).rounded(.down)) }
            let v1 = values[i], v2 = values[i + 1]
            let v0 = i > 0 ? values[i - 1] : 2 * v1 - v2
            let v3 = i < n - 1 ? values[i + 2] : 2 * v2 - v1
            let t1 = (t - Double(i) / Double(n)) * Double(n), t2 = t1 * t1, t3 = t2 * t1
            let v = ((1 - 3 * t1 + 3 * t2 - t3) * v0 + (4 - 6 * t2 + 3 * t3) * v1 + (1 + 3 * t1 + 3 * t2 - 3 * t3) * v2 + t3 * v3) / 6
            return (max(0, min(255, v * 255)).rounded()) / 255
        }
        return Color(red: channel(colors.map(\.red)), green: channel(colors.map(\.green)), blue: channel(colors.map(\.blue)))
    }

    /// `count` colours evenly through a continuous scheme (Vega's quantized interpolator for
    /// ordinal scales).
    static func quantized(_ map: Colormap, count: Int) -> [Color] {
        guard count > 1 else { return [map.color(at: 0.5)] }
        return (0..<count).map { map.color(at: Double($0) / Double(count - 1)) }
    }
}

/// CSS colours as specs write them: "#rgb", "#rrggbb", a few names, "transparent".
enum CSSColor {
    static let named: [String: UInt32] = [
        "black": 0x000000, "white": 0xffffff, "red": 0xff0000, "green": 0x008000, "blue": 0x0000ff,
        "gray": 0x808080, "grey": 0x808080, "orange": 0xffa500, "purple": 0x800080, "steelblue": 0x4682b4,
        "firebrick": 0xb22222, "darkgray": 0xa9a9a9, "darkgrey": 0xa9a9a9, "lightgray": 0xd3d3d3, "lightgrey": 0xd3d3d3,
        "yellow": 0xffff00, "gold": 0xffd700, "darkblue": 0x00008b, "darkred": 0x8b0000, "darkgreen": 0x006400,
        "brown": 0xa52a2a, "pink": 0xffc0cb, "teal": 0x008080, "navy": 0x000080, "silver": 0xc0c0c0,
        "tomato": 0xff6347, "crimson": 0xdc143c, "goldenrod": 0xdaa520, "seagreen": 0x2e8b57, "salmon": 0xfa8072,
        "lightblue": 0xadd8e6, "skyblue": 0x87ceeb, "darkorange": 0xff8c00, "indigo": 0x4b0082, "maroon": 0x800000,
        "olive": 0x808000, "lime": 0x00ff00, "cyan": 0x00ffff, "magenta": 0xff00ff, "coral": 0xff7f50,
        "orchid": 0xda70d6, "tan": 0xd2b48c, "chocolate": 0xd2691e, "slategray": 0x708090, "dimgray": 0x696969,
    ]

    static func parse(_ text: String, path: String) throws(VegaLiteError) -> Color {
        let s = text.trimmingSpaces.lowercased()
        if s == "transparent" { return .clear }
        if s.hasPrefix("#") {
            let hex = String(s.dropFirst())
            if hex.count == 6, let v = UInt32(hex, radix: 16) { return Color(hex: v) }
            if hex.count == 3, let v = UInt32(hex.map { "\($0)\($0)" }.joined(), radix: 16) { return Color(hex: v) }
        }
        if let v = named[s] { return Color(hex: v) }
        if s.hasPrefix("rgb("), s.hasSuffix(")") {
            let parts = s.dropFirst(4).dropLast().split(separator: ",").compactMap { NumberParser.parse(String($0).trimmingSpaces) }
            if parts.count == 3 { return Color(red: parts[0] / 255, green: parts[1] / 255, blue: parts[2] / 255) }
        }
        throw .unsupported(path: path, "colour '\(text)' is not supported (use #rrggbb, #rgb, rgb(r,g,b) or a CSS name)")
    }
}
