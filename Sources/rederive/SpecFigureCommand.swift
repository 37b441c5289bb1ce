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
        do {
            let written = try SpecFigureWriter.write(spec: spec, prefix: prefix, formats: formats?.split(separator: ",").map(String.init)
                                                     ?? SpecFigureWriter.formats)
            // Dense text marks can overlap by the hundred: show the first few and a count.
            written.findings.prefix(10).forEach(warn)
            if written.findings.count > 10 { warn("\(written.findings.count - 10) more layout findings for \(spec)") }
            for file in written.files { print(file) }
        } catch let error as VegaLiteError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
