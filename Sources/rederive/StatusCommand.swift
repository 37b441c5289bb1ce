import ArgumentParser
import Pipeline

/// `rederive status [PIPELINE] [TARGETS...]`: what is out of date and why.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show which stages are out of date, and why.",
        discussion: """
            Examples:
              rederive status smoke --all
              rederive status smoke train -S 'designs=[study]'
              rederive status smoke --json
            """)

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @OptionGroup var overrides: OverrideOptions

    @Flag(name: .shortAndLong, help: "Also list stages that are up to date.")
    var all = false

    @Flag(help: "Exit with status 1 when anything is out of date (for CI).")
    var check = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingErrors {
            let report = try PipelineCommands.status(arguments, overrides: try overrides.overrides(), showAll: all, registry: .rederive,
                                                     console: output.console)
            output.emit(JSONOutput([
                "pipeline": .string(report.pipeline), "out_of_date": .int(report.outOfDate),
                "stages": .list(report.stages.filter { all || !$0.reasons.isEmpty }.map {
                    .map(["stage": .string($0.name), "reasons": JSONOutput.strings($0.reasons)])
                }),
            ]))
            if check && report.outOfDate > 0 { throw ExitCode(1) }
        }
    }
}
