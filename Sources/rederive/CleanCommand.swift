import ArgumentParser
import Pipeline

/// `rederive clean [PIPELINE] [TARGETS...]`: remove intermediate outputs.
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove what the pipeline's recorded builds wrote in the artifacts folder, its stage logs and caches.",
        discussion: """
            Only outputs the lock records as built, still holding what that build wrote, are removed; \
            others are kept and named. The lock file stays, so the next make rebuilds exactly what \
            was removed. Committed outputs (Figures/) stay unless --committed.
            """
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
