import ArgumentParser
import Foundation
import Pipeline
import PipelineGraphics
import Plot

/// `rederive diff`: what changed in the committed figures between two revisions, in data terms.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the committed figures of two git revisions through their data files (NAME.data.json).",
        discussion: """
            With no revision: the work tree against HEAD; with one: the work tree against it; with two: the \
            first against the second. Regenerates nothing. Each change names the panel, the series and the \
            point that moved most, largest first; --html DIR adds a page that draws each changed panel with \
            the old data in grey under the new. Exits 1 when any figure's data differ.
            """)

    @Argument(help: "Revisions: none (work tree vs HEAD), one (work tree vs REV) or two (REV_A vs REV_B).")
    var revisions: [String] = []
    @Option(help: "Relative tolerance for numbers (0: any change counts).")
    var rtol: Double = 0
    @Option(help: "Absolute tolerance for numbers.")
    var atol: Double = 0
    @Option(help: "Write an HTML page to this folder (new, empty, or one check or diff wrote).")
    var html: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if revisions.count > 2 { throw ValidationError("give at most two revisions, e.g. rederive diff v1.0 HEAD") }
    }

    func run() throws {
        try reportingErrors {
            var differ = try FigureDiff.locate(from: FileManager.default.currentDirectoryPath)
            differ.diff = FigureDataDiff(relativeTolerance: rtol, absoluteTolerance: atol)
            let (old, new): (FigureDiff.Side, FigureDiff.Side) = switch revisions.count {
            case 0: (.revision("HEAD"), .workTree)
            case 1: (.revision(revisions[0]), .workTree)
            default: (.revision(revisions[0]), .revision(revisions[1]))
            }
            let result = try differ.run(from: old, to: new)
            let title = "rederive diff: " + (revisions.isEmpty ? "HEAD → work tree" : revisions.count == 1 ? "\(revisions[0]) → work tree" : revisions.joined(separator: " → "))
            if let html { try differ.writeHTML(result, to: html, title: title) }
            let failed = result.comparisons.filter { !$0.passed }.count
            if output.json {
                print(CheckSummary.json(passed: result.passed, mode: rtol == 0 && atol == 0 ? "exact" : "tolerant", fileSet: result.fileSet,
                                        notes: [], comparisons: result.comparisons, report: html.map { $0 + "/index.html" }))
            } else {
                CheckSummary.lines(result.comparisons, failure: "changed").forEach { print($0) }
                let console = output.console
                console.line("compared: \(result.fileSet)")
                if let html { console.line("report: \(html)/index.html") }
                print("diff: \(result.comparisons.count - failed) unchanged, \(failed) changed")
            }
            if !result.passed { throw ExitCode.failure }
        }
    }
}
