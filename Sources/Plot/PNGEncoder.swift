import CPNG
import Foundation

/// PNG encoding through libpng, with the resolution (pHYs) and text entries recorded.
enum PNGEncoder {
    /// zlib level 6 with the Sub filter: close to libpng's default size at a fraction of the
    /// time of trying every filter per row.
    static let compressionLevel: Int32 = 6

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
                                             sw, src, compressionLevel, rederive_png_filter_sub(), &buffer)
                }
            }
            return rederive_png_encode_bgrx(pixels, Int32(width), Int32(height), Int32(stride), pixelsPerMetre,
                                            sw, nil, compressionLevel, rederive_png_filter_sub(), &buffer)
        }
        guard status == 0, let data = buffer.data else {
            throw PlotError.png(status == 1 ? "libpng could not start (out of memory?)" : "libpng failed while encoding a \(width) x \(height) image")
        }
        return Array(UnsafeBufferPointer(start: data, count: buffer.size))
    }
}
