import ArgumentParser

/// `rederive bench …`: speed measurements, one JSON line each. Speed targets live here, never in
/// timed tests.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed (release builds); each subcommand prints JSON lines.",
        subcommands: [BenchTrain.self, BenchAnalyze.self, BenchReport.self, BenchPlot.self, BenchMake.self, BenchVegaLite.self, BenchDiff.self,
                      BenchPatch.self]
    )
}
