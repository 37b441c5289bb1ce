import Foundation
import Plot
import XCTest

/// Our deflate encoder must give PNGs that libpng decodes (checksums included) to the same
/// pixels, whatever the content: noise (all literals, many blocks), flat colour (long copies),
/// rows wider than deflate's 32 KiB window, a single pixel.
final class PNGEncoderTests: XCTestCase {
    func roundTrip(_ raster: Raster, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = try raster.pngBytes(dpi: 150)
        let back = try Raster.decodePNG(bytes, path: label)
        XCTAssertEqual(back.width, raster.width, label, file: file, line: line)
        XCTAssertEqual(back.height, raster.height, label, file: file, line: line)
        XCTAssertTrue(back.rgba == raster.rgba, "\(label): pixels differ after decoding", file: file, line: line)
    }

    func raster(width: Int, height: Int, _ value: (Int, Int, Int) -> UInt8) -> Raster {
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        for y in 0..<height { for x in 0..<width { for c in 0..<3 { rgba[(y * width + x) * 4 + c] = value(x, y, c) } } }
        return Raster(width: width, height: height, rgba: rgba)
    }

    func testRoundTrips() throws {
        var seed: UInt32 = 12345
        let noise = raster(width: 300, height: 250) { _, _, _ in
            seed = seed &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: seed >> 24)
        }
        try roundTrip(noise, "noise")
        try roundTrip(raster(width: 900, height: 700) { x, y, c in UInt8((x / 37 * 53 + y / 29 * 31 + c * 80) % 256) }, "cells")
        try roundTrip(raster(width: 640, height: 480) { _, _, _ in 255 }, "blank")
        try roundTrip(raster(width: 11_000, height: 5) { x, y, c in UInt8((x / 100 + y + c) % 256) }, "wide rows")
        try roundTrip(raster(width: 1, height: 1) { _, _, c in UInt8(c * 100) }, "one pixel")
    }

    /// Flat images come out small: a blank 640 × 480 image (921 kB of rows) is under 8 kB.
    func testFlatImagesAreSmall() throws {
        XCTAssertLessThan(try raster(width: 640, height: 480) { _, _, _ in 255 }.pngBytes().count, 8000)
    }
}
