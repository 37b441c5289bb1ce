import ArgumentParser

/// `rederive bench`: speed measurements, one JSON line per measurement.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Speed benchmarks (release builds); each prints JSON lines.",
        subcommands: [BenchTrain.self, BenchAnalyze.self]
    )
}
