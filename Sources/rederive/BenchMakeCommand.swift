import ArgumentParser
import Foundation
import Pipeline

/// `rederive bench make`: no-op make time, whole process.
struct BenchMake: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Time a no-op `rederive make` on a 30-stage study-shaped pipeline and a generated 1000-stage one."
    )

    @Option(help: "Stages in the generated pipeline.")
    var stages: Int = 1000

    @Option(help: "Timed no-op runs per pipeline (the median is reported).")
    var runs: Int = 15

    @Flag(help: "Keep the generated project folder.")
    var keep = false

    func run() throws {
        try reportingErrors {
            let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let console = Console()
            let result = try MakeBenchmark.run(executable: executable, wideStages: stages, runs: runs, keepFolder: keep) { message in
                if console.isInteractive { console.error(message) }
            }
            print(result.json)
        }
    }
}
