import CPNG
import Foundation

/// PNG encoding through libpng, with the resolution (pHYs) and text entries recorded.
enum PNGEncoder {
    /// zlib level 3, default strategy, no row filter. Measured on the reference figure
    /// (1200 × 900): level 6 with the Sub filter took 12 ms more and gave 204 kB; level 3 without
    /// filtering gives 182 kB (matplotlib: 210 kB) in about 2 ms, since plots are mostly flat
    /// colour that filters only make noisier.
    static let compressionLevel: Int32 = 3
    static let compressionStrategy: Int32 = 0

    /// Encodes opaque Cairo ARGB32 pixels.
    static func encode(pixels: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int, dpi: Double,
                       software: String, source: String?) throws -> [UInt8] {
        var buffer = rederive_png_buffer(data: nil, size: 0, capacity: 0)
        defer { free(buffer.data) }
        let pixelsPerMetre = UInt32((dpi / 0.0254).rounded())
        let status: Int32 = software.withCString { sw in
            if let source {
                return source.withCString { src in
                    rederive_png_encode_bgrx(pixels, Int32(width), Int32(height), Int32(stride), pixelsPerMetre,
                                             sw, src, compressionLevel, compressionStrategy, rederive_png_filter_none(), &buffer)
                }
            }
            return rederive_png_encode_bgrx(pixels, Int32(width), Int32(height), Int32(stride), pixelsPerMetre,
                                            sw, nil, compressionLevel, compressionStrategy, rederive_png_filter_none(), &buffer)
        }
        guard status == 0, let data = buffer.data else {
            throw PlotError.png(status == 1 ? "libpng could not start (out of memory?)" : "libpng failed while encoding a \(width) x \(height) image")
        }
        return Array(UnsafeBufferPointer(start: data, count: buffer.size))
    }
}
