import ArgumentParser
import Foundation
import Transformer

/// `rederive logits`: a checkpoint's logits on a token file, for cross-checking implementations.
struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's logits on [batch, pos] tokens (.npy) and print the previous-token loss.")

    @Argument(help: "A checkpoint file or run folder.")
    var checkpoint: String
    @Option(help: "Integer tokens [batch, pos] (.npy).")
    var tokens: String
    @Option(help: "Where to write the float32 logits [batch, pos, d_vocab] (.npy).")
    var out: String

    func run() throws {
        do {
            let loss = try LogitsExport.run(checkpoint: checkpoint, tokens: tokens, out: out)
            print("{\"loss\": \(loss)}")
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
