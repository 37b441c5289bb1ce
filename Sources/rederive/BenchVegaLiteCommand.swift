import ArgumentParser
import Foundation
import Pipeline
import Plot
import VegaLite

/// `rederive bench vega-lite [--runs N]`: each bench spec to PNG (72 dpi: one pixel per Vega
/// unit, vl-convert's scale 1) and to PDF, timing parse + data load + translation + render, as
/// vl-convert's in-process timing includes its parse. One JSON line per spec with medians.
struct BenchVegaLite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vega-lite",
        abstract: "Time Vega-Lite specs to PNG and PDF (parse, data load and render included)."
    )

    @Option(help: "Timed runs per format, after one warm-up.")
    var runs: Int = 15

    @Option(help: "Folder of bench specs.")
    var specs: String = "Tests/VegaLiteTests/Fixtures/bench"

    /// vl-convert-python 1.9.0.post1 medians measured on 2026-12-07 (issue #23): PNG, PDF ms.
    static let reference: [String: (png: Double, pdf: Double)] = [
        "scatter10k": (651, 511), "heatmap50": (101, 75), "trellis_anscombe": (49, 41),
    ]

    func run() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: specs).filter { $0.hasSuffix(".vl.json") }.sorted()
        guard !names.isEmpty else { throw ValidationError("no .vl.json specs in \(specs)") }
        for file in names {
            let path = specs + "/" + file, name = String(file.dropLast(".vl.json".count))
            func png() throws -> Int { try Renderer.png(try VegaLiteSpec.load(path: path).figure()).count }
            func pdf() throws -> Int { try Renderer.pdf([try VegaLiteSpec.load(path: path).figure()]).count }
            let pngMs = try Self.median(runs) { _ = try png() }
            let pdfMs = try Self.median(runs) { _ = try pdf() }
            let figure = try VegaLiteSpec.load(path: path).figure()
            let translateMs = try Self.median(runs) { _ = try VegaLiteSpec.load(path: path).figure() }
            let (w, h) = try figure.pixelSize()
            var fields: [String: ParamValue] = [
                "spec": .string(name), "png_ms_median": Self.ms(pngMs), "pdf_ms_median": Self.ms(pdfMs),
                "png_pixels": .list([.int(w), .int(h)]), "parse_load_translate_ms": Self.ms(translateMs), "runs": .int(runs),
            ]
            if let ref = Self.reference[name] {
                fields.merge(["vl_convert_png_ms": Self.ms(ref.png), "vl_convert_pdf_ms": Self.ms(ref.pdf),
                              "png_speedup": Self.ms(ref.png / pngMs), "pdf_speedup": Self.ms(ref.pdf / pdfMs)]) { $1 }
            }
            print(JSONOutput(fields).text)
        }
    }

    /// Median wall time in ms of `runs` calls after one warm-up.
    static func median(_ runs: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// To one decimal.
    static func ms(_ x: Double) -> ParamValue { JSONOutput.number(x, digits: 1) }
}
