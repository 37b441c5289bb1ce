import ArgumentParser
import Foundation
import VegaLite

extension FigureCommand {
    /// `rederive figure SPEC.vl.json --out PREFIX`: a Vega-Lite spec, drawn outside a pipeline.
    func drawSpec(_ spec: String, prefix: String) throws {
        do {
            let written = try SpecFigureWriter.write(spec: spec, prefix: prefix)
            written.findings.forEach(warn)
            for file in written.files { print(file) }
        } catch let error as VegaLiteError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
