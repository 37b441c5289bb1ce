import ArgumentParser
import Foundation
import Transformer

/// `rederive logits`: a checkpoint's logits on a token file, for cross-checking implementations.
struct Logits: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a checkpoint's logits on [batch, pos] tokens (.npy) and print the previous-token loss.",
        discussion: """
            Examples:
              rederive logits runs/tiny --tokens tiny-analysis/tokens.npy --out logits.npy
            """)

    @Argument(help: "A checkpoint file or run folder.")
    var checkpoint: String
    @Option(help: "Integer tokens [batch, pos] (.npy).")
    var tokens: String
    @Option(help: "Where to write the float32 logits [batch, pos, d_vocab] (.npy).")
    var out: String
    @OptionGroup var stateDict: StateDictOptions

    func run() throws {
        try reportingErrors {
            let (loss, notes) = try LogitsExport.run(checkpoint: checkpoint, options: stateDict.checkpointOptions(), tokens: tokens, out: out)
            for note in notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            print(JSONOutput(["loss": JSONOutput.number(loss)]).text)
        }
    }
}
