import ArgumentParser
import Foundation
import Tensor

/// The command-line tool. Each subcommand parses its options and calls one library function;
/// the work lives in the libraries.
@main
struct Rederive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rederive",
        abstract: "Regenerate, make-style, every figure of a toy-transformer interpretability study.",
        version: "0.1.0",
        subcommands: [Train.self, Logits.self, Analyze.self, ReportCommand.self, FigureCommand.self,
                      Make.self, Status.self, Dag.self, Clean.self, Check.self, Slides.self, Bench.self, RunStage.self,
                      PatchCommand.self]
    )

    /// Chooses the matrix-product kernels (`REDERIVE_KERNELS`) before any command runs.
    static func main() async {
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
            exit(withError: error)
        }
    }
}
