import ArgumentParser
import Foundation
import Plot
import VegaLite

// Kept out of FigureCommand.swift on purpose: the study's figure stages are fingerprinted from
// that file and what it imports (Sources/Stages/CodeSources.txt), and editing the Vega-Lite
// translation must not rerun them.
extension FigureCommand {
    /// Whether the first argument names a Vega-Lite spec (.json, .yaml, .yml) rather than a recipe.
    static func isSpec(_ argument: String) -> Bool { SpecFigureWriter.isSpec(argument) }

    /// The typed job these arguments describe when the first names a spec (what a pipeline's
    /// vega-lite stage builds).
    var specJob: SpecFigureJob {
        SpecFigureJob(spec: recipe, out: out, files: files)
    }

    /// `job` as this command's arguments, read back by `FigureCommand`'s declarations: the one
    /// spelling of them that a vega-lite stage's child process gets (RederiveTests parses it back).
    static func arguments(for job: SpecFigureJob) -> [String] {
        ["figure", job.spec, "--out", job.out] + formatsArgument(job.files)
    }

    /// `rederive figure SPEC.vl.json --out PREFIX`: a Vega-Lite spec, drawn outside a pipeline.
    func drawSpec(_ job: SpecFigureJob) throws {
        try reportingErrors {
            let written = try SpecFigureWriter.write(spec: job.spec, prefix: job.out, files: job.files ?? FigureFile.allCases)
            // Dense text marks can overlap by the hundred: show the first few and a count.
            written.findings.prefix(10).forEach(warn)
            if written.findings.count > 10 { warn("\(written.findings.count - 10) more layout findings for \(job.spec)") }
            written.files.forEach(output.say)
            output.emit(JSONOutput(["files": JSONOutput.strings(written.files)]))
        }
    }
}
