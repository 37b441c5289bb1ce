import ArgumentParser

/// `rederive bench ...`: speed measurements, one JSON line each. Speed targets live here, never
/// in timed tests.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed; print one JSON line per measurement.",
        subcommands: [BenchMake.self]
    )
}
