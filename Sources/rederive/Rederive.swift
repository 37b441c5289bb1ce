import ArgumentParser
import Foundation
import Tensor

/// The command-line tool. Each subcommand parses its options and calls one library function;
/// the work lives in the libraries.
@main
struct Rederive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rederive",
        abstract: "Regenerate figures make-style: train and analyse small transformers, draw recipes and Vega-Lite specs, build decks, check that they reproduce.",
        version: "0.1.0",
        subcommands: [Init.self, Train.self, Logits.self, Analyze.self, ReportCommand.self, PatchCommand.self, FigureCommand.self,
                      Make.self, Status.self, Dag.self, Clean.self, Check.self, Diff.self, Slides.self, Bench.self, RunStage.self]
    )

    /// Chooses the matrix-product kernels (`REDERIVE_KERNELS`) before any command runs.
    ///
    /// Exit codes, the same for every subcommand: 0 success; 1 a failed check, stage or file;
    /// 2 a usage error (an unknown subcommand or option, a bad value, no arguments), as Python's
    /// argparse and most Unix tools use it.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.isEmpty {
            print(helpMessage())
            Foundation.exit(ExitStatus.usage)
        }
        if let unknown = UnknownSubcommand.find(in: arguments) {
            FileHandle.standardError.write(Data("Error: \(unknown)\n".utf8))
            Foundation.exit(ExitStatus.usage)
        }
        do {
            if let note = try KernelPath.configure(environment: ProcessInfo.processInfo.environment) {
                FileHandle.standardError.write(Data("rederive: note: \(note)\n".utf8))
            }
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitStatus.usage)
        }
    }
}

/// The exit statuses the tool documents (`Rederive.main`).
enum ExitStatus {
    static let usage: Int32 = 2
}
