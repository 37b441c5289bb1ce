import ArgumentParser
import AtomicFiles
import Foundation
import Plot
import Recipes

/// `rederive figure`: draw one recipe (or all) from analysis folders, outside a pipeline.
struct FigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figure",
        abstract: "Draw a figure recipe from analysis folders to PREFIX.png, PREFIX.pdf, PREFIX.caption.txt and PREFIX.data.json.",
        discussion: """
            A first argument ending in .json, .yaml or .yml is a Vega-Lite spec, drawn to \
            PREFIX.png, .pdf, .svg, .caption.txt and .data.json (the numbers drawn). Recipes: \
            \(Recipe.all.map(\.name).joined(separator: ", ")); 'all' draws every one into --out as a folder \
            (activation_patching only when patching folders are given).

            Examples:
              rederive figure loss_curves tiny-analysis --out loss
              rederive figure Figures/specs/smoke_layer1_attention.vl.json --out l1
            """)

    @Argument(help: "The recipe's name, or 'all'.")
    var recipe: String
    @Argument(help: "Analysis folders written by `rederive analyze`, and for activation_patching the folders of `rederive patch` (none for a spec).")
    var analyses: [String] = []
    @Option(help: "Output prefix (a folder for 'all').")
    var out: String
    @Option(name: .customLong("formats"), help: "The files to write, of png,pdf,svg,caption.txt,data.json (default: all, but svg only for a spec).",
            transform: { try FigureFile.list($0) })
    var files: [FigureFile]?
    @OptionGroup var output: OutputOptions

    /// The typed job these arguments describe (what a pipeline's figure stage builds).
    var job: FigureJob { FigureJob(recipe: recipe, analyses: analyses, out: out, files: files) }

    /// `job` as this command's arguments, read back by the declarations above: the one
    /// spelling of them that a figure stage's child process gets (RederiveTests parses it back).
    static func arguments(for job: FigureJob) -> [String] {
        ["figure", job.recipe] + job.analyses + ["--out", job.out] + formatsArgument(job.files)
    }

    /// `--formats` as read back by `files`; none for all of them.
    static func formatsArgument(_ files: [FigureFile]?) -> [String] {
        files.map { ["--formats", $0.map(\.rawValue).joined(separator: ",")] } ?? []
    }

    func run() throws {
        if Self.isSpec(recipe) { return try drawSpec(specJob) }
        let job = self.job
        try reportingErrors {
            let runs = try StudyRuns(folders: job.analyses)
            if job.recipe == "all" {
                // A folder of its own, built whole beside --out and swapped in: never a user's.
                let staging = try OwnedFolder.begin(job.out, as: .figures, reading: job.analyses, force: false, note: warn)
                do {
                    for each in Recipe.all where each.canDraw(runs) { try FigureWriter.write(each, runs: runs, prefix: staging + "/" + each.name, warn: warn) }
                    try AtomicFile.commitFolder(staging, to: job.out, as: .figures)
                } catch {
                    AtomicFile.remove(staging)
                    throw error
                }
                output.emit(JSONOutput(["files": JSONOutput.strings(Recipe.all.map { job.out + "/" + $0.name })]))
            } else {
                let files = job.files ?? FigureFile.recipe
                let caption = try FigureWriter.write(Recipe.named(job.recipe), runs: runs, prefix: job.out, files: files, warn: warn)
                output.say(caption)
                output.emit(JSONOutput(["files": JSONOutput.strings(FigureFile.recipe.filter(files.contains).map { job.out + $0.suffix }),
                                        "caption": .string(caption)]))
            }
        }
    }
}

/// A layout audit finding on stderr; `rederive make` repeats these lines from a stage's log.
func warn(_ finding: String) {
    FileHandle.standardError.write(Data("warning: \(finding)\n".utf8))
}
