import AtomicFiles
import ArgumentParser
import Foundation
import Pipeline
import Recipes
import VegaLite

/// `rederive slides`: a 16:9 talk deck of any pipeline's figures, from Vega-Lite specs and from
/// analysis folders (the study's recipes), with a Markdown gallery of the recipes' figures.
struct Slides: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a 16:9 slide deck of a pipeline's figures.",
        discussion: """
            Without --from, brings the pipeline's `slides` stage up to date, rebuilding what it needs; \
            its deck title, subtitle and theme are that stage's params. With --from, draws the deck \
            directly: each Vega-Lite spec (.json, .yaml) is a slide titled by its `title` and \
            captioned by its `description`; analysis folders add a slide per recipe; other files \
            (the specs' data) are only read by the specs.

            Examples:
              rederive slides --from tiny-analysis --pdf tiny-deck.pdf --theme dark
            """)

    @Argument(help: "The pipeline (default: the only one in Pipelines/, or the main one).")
    var pipeline: String?
    @Option(parsing: .upToNextOption, help: "Vega-Lite specs and analysis folders to draw from, instead of running the pipeline.")
    var from: [String] = []
    @Option(help: "The deck to write (with --from).")
    var pdf: String = "Figures/slides.pdf"
    @Option(help: "Also write a Markdown gallery of the recipes' figures and captions (with --from).")
    var gallery: String?
    @Option(help: "The title page's title (with --from).")
    var title: String = SlidesJob.defaultTitle
    @Option(help: "The title page's subtitle (with --from).")
    var subtitle: String = ""
    @Option(help: "light or dark: the same figures on a white or a dark ground (with --from).")
    var theme: SlideDeck.Theme = .light
    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Stages to run at once (without --from).")
    var jobs: Int = 1
    @OptionGroup var output: OutputOptions

    func run() throws {
        guard !from.isEmpty else {
            try reportingErrors {
                var options = MakeOptions()
                options.jobs = jobs
                let result = try PipelineCommands.make((pipeline.map { [$0] } ?? []) + ["slides"], options: options,
                                                      registry: .rederive, console: output.console)
                output.emit(result.jsonOutput)
                if result.exitCode != 0 { throw ExitCode(result.exitCode) }
            }
            return
        }
        let job = self.job
        try reportingErrors {
            // Other files among the inputs are the data the specs read: inputs, so edits redraw the deck.
            let folders = job.from.filter { var isFolder: ObjCBool = false
                return FileManager.default.fileExists(atPath: $0, isDirectory: &isFolder) && isFolder.boolValue }
            let drawn = folders.isEmpty ? [] : try FigureWriter.draw(Recipe.all, runs: StudyRuns(folders: folders))
            let specs = try job.from.filter(SpecFigureWriter.isSpec).map(Self.slide(spec:))
            try FigureWriter.writeSlides(FigureWriter.slides(drawn) + specs, title: job.title, subtitle: job.subtitle, theme: job.theme,
                                         to: job.pdf, warn: warn)
            if let gallery = job.gallery {
                do { try AtomicFile.write(Array(FigureWriter.gallery(drawn).utf8), to: gallery) } catch {
                    throw RecipeError.render(recipe: "gallery", reason: "\(error)")
                }
            }
            output.say("wrote \(job.pdf)" + (job.gallery.map { " and \($0)" } ?? ""))
            output.emit(JSONOutput(["pdf": .string(job.pdf), "gallery": job.gallery.map(ParamValue.string) ?? .null]))
        }
    }

    /// The typed job these flags describe with --from (what a pipeline's slides stage builds).
    var job: SlidesJob {
        var job = SlidesJob(from: from, pdf: pdf)
        job.gallery = gallery
        job.title = title
        job.subtitle = subtitle
        job.theme = theme
        return job
    }

    /// `job` as this command's arguments, read back by the flags above: the one spelling of
    /// them that a slides stage's child process gets (RederiveTests parses every field back).
    static func arguments(for job: SlidesJob) -> [String] {
        ["slides", "--from"] + job.from + ["--pdf", job.pdf] + (job.gallery.map { ["--gallery", $0] } ?? [])
            + ["--title", job.title, "--subtitle", job.subtitle, "--theme", job.theme.rawValue]
    }

    /// A spec's slide: its figure, titled by its `title` (else its file name), captioned by its
    /// `description`.
    static func slide(spec path: String) throws(VegaLiteError) -> FigureWriter.Slide {
        let spec = try VegaLiteSpec.load(path: path)
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return FigureWriter.Slide(figure: try spec.figure(), title: spec.title ?? name, caption: spec.description ?? "")
    }
}

extension SlideDeck.Theme: ExpressibleByArgument {}
