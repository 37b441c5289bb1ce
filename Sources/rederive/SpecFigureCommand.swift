import ArgumentParser
import Foundation
import VegaLite

// Kept out of FigureCommand.swift on purpose: the study's figure stages are fingerprinted from
// that file and what it imports (Sources/Stages/CodeSources.txt), and editing the Vega-Lite
// translation must not rerun them.
extension FigureCommand {
    /// Whether the first argument names a Vega-Lite spec (.json, .yaml, .yml) rather than a recipe.
    static func isSpec(_ argument: String) -> Bool { SpecFigureWriter.isSpec(argument) }

    /// `rederive figure SPEC.vl.json --out PREFIX`: a Vega-Lite spec, drawn outside a pipeline.
    func drawSpec(_ spec: String, prefix: String) throws {
        try reportingErrors {
            let written = try SpecFigureWriter.write(spec: spec, prefix: prefix, formats: formats?.split(separator: ",").map(String.init)
                                                     ?? SpecFigureWriter.formats)
            // Dense text marks can overlap by the hundred: show the first few and a count.
            written.findings.prefix(10).forEach(warn)
            if written.findings.count > 10 { warn("\(written.findings.count - 10) more layout findings for \(spec)") }
            written.files.forEach(output.say)
            output.emit(JSONOutput(["files": JSONOutput.strings(written.files)]))
        }
    }
}
