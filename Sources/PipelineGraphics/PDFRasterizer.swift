import Pipeline
import Foundation
import Plot

/// PDF pages as pixels, through poppler's `pdftoppm` (Debian's poppler-utils), for comparing
/// PDFs that are not byte-identical.
enum PDFRasterizer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Every page of `path` at 72 dpi.
    static func pages(_ path: String) throws -> [Raster] {
        let folder = NSTemporaryDirectory() + "rederive-pdf-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pdftoppm", "-r", "72", "-png", path, folder + "/page"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw Failure(description: "\(path): cannot run pdftoppm to compare PDFs; install poppler-utils or use --exact")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(path): pdftoppm could not read this PDF (status \(process.terminationStatus)); is it corrupt?")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".png") }.sorted()
        return try names.map { try Raster.readPNG(folder + "/" + $0) }
    }
}
