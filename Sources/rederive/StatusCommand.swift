import ArgumentParser
import Pipeline

/// `rederive status [PIPELINE] [TARGETS...]`: what is out of date and why.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show which stages are out of date, and why.")

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Option(name: .customShort("S"), help: ArgumentHelp("Override a param, as for make.", valueName: "key=value"))
    var set: [String] = []

    @Flag(name: .shortAndLong, help: "Also list stages that are up to date.")
    var all = false

    @Flag(help: "Exit with status 1 when anything is out of date (for CI).")
    var check = false

    func run() throws {
        try reportingPipelineErrors {
            let overrides = try set.map { (text) throws(PipelineError) in try ParamOverride.parse(text) }
            let outOfDate = try PipelineCommands.status(arguments, overrides: overrides, showAll: all, registry: .rederive)
            if check && outOfDate > 0 { throw ExitCode(1) }
        }
    }
}
