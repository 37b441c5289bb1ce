import Analysis
import ArgumentParser
import Foundation
import Report
import Transformer

/// `rederive report`: every analysis of one model on one page, opening with what sticks.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Analyse one model and write report.html (self-contained) and report.pdf, opening with the salient findings.",
        discussion: """
            Accepts a run folder or checkpoint written by `rederive train`, or a TransformerLens \
            HookedTransformer state dict saved with safetensors.torch.save_file (its config from \
            --config, the file's metadata, or inferred from the tensor shapes). Writes DIR/analysis/ \
            (the files of `rederive analyze`), DIR/report.html, DIR/report.pdf and DIR/findings.txt, \
            and prints the findings.

            Examples:
              rederive report runs/tiny --out reports/tiny
              rederive report runs/tiny --out reports/tiny --json
            """)

    @Argument(help: "A run folder, a checkpoint .safetensors, or a TransformerLens state dict saved as safetensors.")
    var source: String
    @Option(help: "The output folder: new, empty, or one this command wrote before (replaced whole).")
    var out: String
    @Flag(help: "Use --out even if it holds other files: they are kept aside as OUT.kept-N, never deleted.")
    var force = false
    @OptionGroup var model: ModelSourceOptions
    @OptionGroup var threading: ThreadOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        threading.apply()
        var settings = AnalysisSettings()
        model.apply(to: &settings)
        let progress = output.progress
        try reportingErrors {
            let findings = try ModelReport.write(source: source, out: out, settings: settings, force: force) { progress.message($0) }
            progress.message("wrote \(out)/report.html and \(out)/report.pdf")
            output.say("What sticks:")
            for (index, finding) in findings.enumerated() { output.say("\(index + 1). \(finding.sentence)") }
            output.emit(JSONOutput(["html": .string(out + "/report.html"), "pdf": .string(out + "/report.pdf"),
                                    "findings": JSONOutput.strings(findings.map(\.sentence))]))
        }
    }
}
