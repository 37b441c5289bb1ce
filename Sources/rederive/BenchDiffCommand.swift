import ArgumentParser
import Foundation
import PipelineGraphics

/// `rederive bench diff [--figures DIR] [--runs N]`: `diff` of every figure data file between two
/// revisions, as one JSON line with the median (issue 24's target: under 1 s for the study).
struct BenchDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Time `rederive diff` of a folder's figure data between two revisions (every file read, parsed and compared)."
    )

    @Option(help: "The folder whose NAME.data.json files are compared.")
    var figures: String = "Figures"
    @Option(help: "Timed runs, after one warm-up.")
    var runs: Int = 7

    func run() throws {
        try reportingErrors {
            let bench = try DiffBenchmark(copying: figures)
            defer { bench.remove() }
            var compared = 0
            let ms = try BenchVegaLite.median(runs) { compared = try bench.diffOnce() }
            print("{\"files\": \(compared), \"bytes\": \(bench.bytes), \"diff_ms_median\": \(BenchVegaLite.ms(ms)), \"target_ms\": 1000, \"runs\": \(runs)}")
        }
    }
}
