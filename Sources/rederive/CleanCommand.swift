import ArgumentParser
import Pipeline

/// `rederive clean [PIPELINE] [TARGETS...]`: remove intermediate outputs.
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a pipeline's outputs in the artifacts folder, its logs and caches.",
        discussion: "The lock file stays, so the next make rebuilds exactly what was removed. Committed outputs (Figures/) stay unless --committed."
    )

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Flag(help: "Also remove outputs outside the artifacts folder, such as Figures/.")
    var committed = false

    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "List what would be removed.")
    var dryRun = false

    func run() throws {
        try reportingPipelineErrors {
            _ = try PipelineCommands.clean(arguments, includeCommitted: committed, dryRun: dryRun, registry: .rederive)
        }
    }
}
