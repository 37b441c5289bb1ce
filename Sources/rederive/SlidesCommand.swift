import AtomicFiles
import ArgumentParser
import Foundation
import Pipeline
import Recipes

/// `rederive slides`: the talk deck (and the Markdown gallery) of the study's figures.
struct Slides: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build the 16:9 slide deck of the study's figures.",
        discussion: """
            Without --from, brings the pipeline's `slides` stage up to date (Figures/slides.pdf), \
            rebuilding what it needs. With --from, draws the deck directly from analysis folders.
            """)

    @Argument(help: "The pipeline (default: previous-token).")
    var pipeline: String?
    @Option(parsing: .upToNextOption, help: "Analysis folders to draw from, instead of running the pipeline.")
    var from: [String] = []
    @Option(help: "The deck to write (with --from).")
    var pdf: String = "Figures/slides.pdf"
    @Option(help: "Also write a Markdown gallery of the figures and captions (with --from).")
    var gallery: String?
    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Stages to run at once (without --from).")
    var jobs: Int = 1

    func run() throws {
        guard !from.isEmpty else {
            try reportingPipelineErrors {
                var options = MakeOptions()
                options.jobs = jobs
                let result = try PipelineCommands.make([pipeline ?? "previous-token", "slides"], options: options,
                                                      registry: .rederive, console: Console())
                if result.exitCode != 0 { throw ExitCode(result.exitCode) }
            }
            return
        }
        do {
            let drawn = try FigureWriter.draw(Recipe.all, runs: StudyRuns(folders: from))
            try FigureWriter.writeSlides(drawn, title: "Re-deriving position",
                                         subtitle: "A transformer without positional embeddings learns to predict the previous token",
                                         to: pdf, warn: warn)
            if let gallery {
                let text = FigureWriter.gallery(drawn)
                do { try AtomicFile.write(Array(text.utf8), to: gallery) } catch {
                    throw RecipeError.render(recipe: "gallery", reason: "\(error)")
                }
            }
        } catch let error as RecipeError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
