/// Decoded RGBA pixels of a rendered figure, row-major, top row first. For tests and for
/// comparing renders by pixels (PNG bytes also depend on the zlib version).
public struct Raster: Equatable, Sendable {
    public var width: Int
    public var height: Int
    /// 4 bytes per pixel: red, green, blue, alpha (straight alpha).
    public var rgba: [UInt8]

    public init(width: Int, height: Int, rgba: [UInt8]) {
        self.width = width
        self.height = height
        self.rgba = rgba
    }

    /// The pixel at column `x`, row `y` (from the top).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        let i = (y * width + x) * 4
        return (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3])
    }

    /// Root-mean-square difference over all channels in 0–255 units, matplotlib's
    /// `compare_images` measure. Nil when the sizes differ.
    public func rms(to other: Raster) -> Double? {
        guard width == other.width, height == other.height else { return nil }
        var sum = 0.0
        for i in rgba.indices {
            let d = Double(rgba[i]) - Double(other.rgba[i])
            sum += d * d
        }
        return (sum / Double(max(rgba.count, 1))).squareRoot()
    }
}
