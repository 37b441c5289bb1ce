import Foundation
import Plot
import AtomicFiles
import Tensor

/// Draws recipes to files: the only place Recipes hands figures to the renderer.
public enum FigureWriter {
    /// Draws `recipe` from `runs` to those of `files` asked for: `prefix.png` (with the recipe named
    /// in its Source tag), `prefix.pdf`, the caption to `prefix.caption.txt` and the data drawn to
    /// `prefix.data.json`. Returns the caption. Hands each
    /// layout audit finding, over every form of the figure, to `warn`. Temporary files that
    /// killed writers left in the folder are removed first.
    @discardableResult
    public static func write(_ recipe: Recipe, runs: StudyRuns, prefix: String, files: [FigureFile] = FigureFile.recipe,
                             warn: (String) -> Void = { _ in }) throws(RecipeError) -> String {
        let output = try recipe.make(runs)
        try audit(recipe, output).forEach(warn)
        AtomicFile.removeStaleTemporaries(in: prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ".")
        do {
            for file in FigureFile.recipe where files.contains(file) {
                let path = prefix + file.suffix
                switch file {
                case .png: try output.figure.writePNG(to: path, source: "rederive recipe \(recipe.name)")
                case .pdf: try output.figure.writePDF(to: path)
                case .caption: try AtomicFile.write(Array((output.caption + "\n").utf8), to: path)
                case .data: try FigureData(output.figure, caption: output.caption).write(to: path)
                case .svg: try output.figure.writeSVG(to: path)
                }
            }
        } catch {
            throw .render(recipe: recipe.name, reason: "\(error)")
        }
        return output.caption
    }

    /// Every recipe drawn from `runs`, in order, but those whose kind of data `runs` lack
    /// (`Recipe.canDraw`): what the deck and the gallery both show.
    public static func draw(_ recipes: [Recipe], runs: StudyRuns) throws(RecipeError) -> [(recipe: Recipe, output: RecipeOutput)] {
        var drawn = [(recipe: Recipe, output: RecipeOutput)]()
        for recipe in recipes where recipe.canDraw(runs) { drawn.append((recipe, try recipe.make(runs))) }
        return drawn
    }

    /// One figure of a deck, with the title above it and the caption below.
    public struct Slide: Sendable {
        public var figure: Figure
        public var title: String
        public var caption: String
        public init(figure: Figure, title: String, caption: String) {
            self.figure = figure; self.title = title; self.caption = caption
        }
    }

    /// The slides of drawn recipes, in order.
    public static func slides(_ drawn: [(recipe: Recipe, output: RecipeOutput)]) -> [Slide] {
        drawn.map { Slide(figure: $0.output.figure, title: $0.recipe.title, caption: $0.output.caption) }
    }

    /// A 16:9 deck in the talk style (`theme` light or dark, drawn from the same figure values):
    /// a title page, then a page per slide (or per row of a figure too tall for one, see
    /// `SlideDeck`) with its title and caption, and the page number at the foot. Hands each
    /// layout audit finding to `warn`, naming the page.
    public static func writeSlides(_ slides: [Slide], title: String, subtitle: String, theme: SlideDeck.Theme = .light,
                                   to path: String, warn: (String) -> Void = { _ in }) throws(RecipeError) {
        var pages = [SlideDeck.titlePage(title: title, subtitle: subtitle)]
        for slide in slides { pages += SlideDeck.pages(slide.figure, title: slide.title, caption: slide.caption) }
        pages = SlideDeck.themedAndNumbered(pages, theme: theme)
        do {
            for (number, page) in pages.enumerated() {
                let name = "slides page \(number + 1)" + (page.suptitle.map { " '\($0)'" } ?? "")
                try Renderer.layout(page).findings.forEach { warn("\(name): \($0)") }
            }
            try writePDF(pages, to: path, title: title)
        } catch {
            throw .render(recipe: "slides", reason: "\(error)")
        }
    }

    /// The forms a recipe's figure is emitted in, each laid out for the layout audit: the
    /// figure itself (its PNG and PDF share one layout), the figure in the talk style, and its
    /// slide pages.
    public static func forms(_ recipe: Recipe, _ output: RecipeOutput) -> [(form: String, figure: Figure)] {
        let slides = SlideDeck.pages(output.figure, title: recipe.title, caption: output.caption)
        return [("figure", output.figure), ("talk style", output.figure.styled(.talk))]
            + slides.enumerated().map { ("slide \($0.offset + 1) of \(slides.count)", $0.element) }
    }

    /// The layout audit's findings for every form of a drawn recipe, as warnings naming the
    /// figure and the form ("figure 'mean_ablation' (talk style): …"); empty when all is clear.
    public static func audit(_ recipe: Recipe, _ output: RecipeOutput) throws(RecipeError) -> [String] {
        var warnings: [String] = []
        for (form, figure) in forms(recipe, output) {
            do {
                warnings += try Renderer.layout(figure).findings.map { "figure '\(recipe.name)' (\(form)): \($0)" }
            } catch {
                throw .render(recipe: recipe.name, reason: "\(form): \(error)")
            }
        }
        return warnings
    }

    /// A Markdown gallery of the recipes' figures with their captions, as `Figures/README.md`.
    public static func gallery(_ drawn: [(recipe: Recipe, output: RecipeOutput)]) -> String {
        var text = "# Figures\n\nRendered by `rederive make` from the study's analyses; captions quote this project's own numbers.\n"
        for (recipe, output) in drawn {
            text += "\n## \(recipe.title)\n\n![\(recipe.title)](\(recipe.name).png)\n\n\(output.caption)\n\n[PDF](\(recipe.name).pdf)\n"
        }
        return text
    }
}
