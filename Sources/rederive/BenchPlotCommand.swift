import ArgumentParser
import Foundation
import Pipeline
import Plot

/// `rederive bench plot [--out DIR] [--reps N]`: renders the reference figure of
/// shared/reference/mpl_bench.py to PNG and PDF and prints the median times as JSON.
struct BenchPlot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Time the 4-panel reference figure to PNG (150 dpi) and PDF."
    )

    @Option(help: "Directory for figure.png and figure.pdf (default: a directory under the system temporary directory).")
    var out: String?

    @Option(help: "Renders per format; the median excludes the first.")
    var reps: Int = 8

    func run() throws {
        let directory = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("rederive-bench-plot").path
        let result = try PlotBenchmark.run(outputDirectory: directory, repetitions: reps)
        func ms(_ x: Double) -> ParamValue { JSONOutput.number(x, digits: 2) }
        print(JSONOutput(["png_ms_median": ms(result.pngMillisecondsMedian), "pdf_ms_median": ms(result.pdfMillisecondsMedian),
                          "png_ms_first": ms(result.pngFirstMilliseconds), "pdf_ms_first": ms(result.pdfFirstMilliseconds),
                          "reps": .int(result.repetitions), "files": JSONOutput.strings(result.files)]).text)
    }
}
