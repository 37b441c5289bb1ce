import ArgumentParser
import Foundation
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
        print(result.json)
    }
}
