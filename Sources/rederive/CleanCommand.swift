import ArgumentParser
import Foundation
import Pipeline

/// `rederive clean [PIPELINE] [TARGETS...]`: remove intermediate outputs, after saying what they
/// are and asking.
struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove what the pipeline's recorded builds wrote in the artifacts folder, its stage logs and caches.",
        discussion: """
            Only outputs the lock records as built, still holding what that build wrote, are removed; \
            others are kept and named. The lock file stays, so the next make rebuilds exactly what \
            was removed. Committed outputs (Figures/) stay unless --committed.

            Each path is listed first with its size and how long its stage took to build. At a \
            terminal, clean then asks; -y removes without asking. When standard input is not a \
            terminal (CI, a script) it never asks: without -y it removes nothing and exits with \
            status 1.

            Examples:
              rederive clean smoke -n
              rederive clean smoke analyze -y
            """
    )

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Flag(help: "Also remove outputs outside the artifacts folder, such as Figures/.")
    var committed = false

    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "List what would be removed.")
    var dryRun = false

    @Flag(name: [.customShort("y"), .customLong("yes")], help: "Remove without asking.")
    var yes = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingErrors {
            var refused = false
            let summary = try PipelineCommands.clean(arguments, includeCommitted: committed, dryRun: dryRun, registry: .rederive,
                                                     console: output.console) { summary in
                if yes { return true }
                guard isatty(0) == 1 else {
                    refused = true
                    return false
                }
                return Self.ask("remove \(summary.total)? [y/N] ")
            }
            output.emit(Self.json(summary))
            if refused {
                Console().error("""
                    clean: removed nothing. Standard input is not a terminal, so there is no one to ask: \
                    give -y to remove the \(summary.removed.count) path(s) (-n lists them)
                    """)
                throw ExitCode.failure
            }
            if !summary.applied && !dryRun && !summary.removed.isEmpty { output.note("removed nothing") }
        }
    }

    /// Asks on stderr and reads stdin: only "y" or "yes" agrees.
    static func ask(_ question: String) -> Bool {
        FileHandle.standardError.write(Data(question.utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }

    static func json(_ summary: CleanSummary) -> JSONOutput {
        JSONOutput([
            "paths": .list(summary.removed.indices.map { i in
                .map(["path": .string(summary.removed[i]), "bytes": .int(Int(summary.bytes[i])),
                      "stage": summary.builds[i].map { .string($0.stage) } ?? .null,
                      "build_s": summary.builds[i].map { JSONOutput.number($0.seconds, digits: 3) } ?? .null])
            }),
            "kept": .list(summary.kept.map { .map(["path": .string($0.path), "reason": .string($0.reason)]) }),
            "bytes": .int(Int(summary.totalBytes)), "build_s": JSONOutput.number(summary.rebuildSeconds, digits: 3),
            "removed": .bool(summary.applied),
        ])
    }
}
