import CPNG
import Foundation

extension Raster {
    /// Decodes a PNG (any bit depth or colour type) to 8-bit RGBA through libpng's simplified
    /// API. `path` names the file in errors.
    public static func decodePNG(_ bytes: [UInt8], path: String) throws(PlotError) -> Raster {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        defer { png_image_free(&image) }
        guard begun != 0 else { throw .png("\(path): not a readable PNG (\(Self.message(of: image)))") }
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)   // PNG_FORMAT_RGBA
        let (width, height) = (Int(image.width), Int(image.height))
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let finished = bytes.withUnsafeBytes { _ in
            rgba.withUnsafeMutableBytes { out in
                png_image_finish_read(&image, nil, out.baseAddress, Int32(width * 4), nil)
            }
        }
        guard finished != 0 else { throw .png("\(path): corrupt PNG data (\(Self.message(of: image)))") }
        return Raster(width: width, height: height, rgba: rgba)
    }

    /// Reads and decodes a PNG file.
    public static func readPNG(_ path: String) throws(PlotError) -> Raster {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .png("\(path): cannot read the file")
        }
        return try decodePNG([UInt8](data), path: path)
    }

    /// The raster as PNG bytes (opaque: alpha is composited over white).
    public func pngBytes(dpi: Double = 72, source: String? = nil) throws(PlotError) -> [UInt8] {
        // Cairo's ARGB32 layout in memory on little-endian machines is B, G, R, A.
        var bgrx = [UInt8](repeating: 0, count: width * height * 4)
        for i in 0..<(width * height) {
            let a = Double(rgba[i * 4 + 3]) / 255
            for (c, source) in [(2, 0), (1, 1), (0, 2)] {
                bgrx[i * 4 + c] = UInt8((Double(rgba[i * 4 + source]) * a + 255 * (1 - a)).rounded())
            }
            bgrx[i * 4 + 3] = 255
        }
        do {
            return try bgrx.withUnsafeBufferPointer { pixels in
                try PNGEncoder.encode(pixels: pixels.baseAddress!, width: width, height: height, stride: width * 4,
                                      dpi: dpi, software: Renderer.software, source: source)
            }
        } catch let error as PlotError {
            throw error
        } catch {
            throw .png("\(error)")
        }
    }

    private static func message(of image: png_image) -> String {
        var copy = image
        return withUnsafeBytes(of: &copy.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
