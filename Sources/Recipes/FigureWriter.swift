import Foundation
import Plot
import AtomicFiles
import Tensor

/// Draws recipes to files: the only place Recipes hands figures to the renderer.
public enum FigureWriter {
    /// Draws `recipe` from `runs` to `prefix.png` (with the recipe named in its Source tag) and
    /// `prefix.pdf`, and the caption to `prefix.caption.txt`. Returns the caption. Temporary
    /// files that killed writers left in the folder are removed first.
    @discardableResult
    public static func write(_ recipe: Recipe, runs: StudyRuns, prefix: String) throws(RecipeError) -> String {
        let output = try recipe.make(runs)
        AtomicFile.removeStaleTemporaries(in: prefix.contains("/") ? String(prefix[..<prefix.lastIndex(of: "/")!]) : ".")
        do {
            try output.figure.writePNG(to: prefix + ".png", source: "rederive recipe \(recipe.name)")
            try output.figure.writePDF(to: prefix + ".pdf")
            try AtomicFile.write(Array((output.caption + "\n").utf8), to: prefix + ".caption.txt")
        } catch {
            throw .render(recipe: recipe.name, reason: "\(error)")
        }
        return output.caption
    }

    /// Every recipe drawn from `runs`, in order: what the deck and the gallery both show.
    public static func draw(_ recipes: [Recipe], runs: StudyRuns) throws(RecipeError) -> [(recipe: Recipe, output: RecipeOutput)] {
        var drawn = [(recipe: Recipe, output: RecipeOutput)]()
        for recipe in recipes { drawn.append((recipe, try recipe.make(runs))) }
        return drawn
    }

    /// A 16:9 deck in the talk style: a title page, then one page per recipe with its title and caption.
    public static func writeSlides(_ drawn: [(recipe: Recipe, output: RecipeOutput)], title: String, subtitle: String,
                                   to path: String) throws(RecipeError) {
        var pages = [SlideDeck.titlePage(title: title, subtitle: subtitle)]
        for (recipe, output) in drawn {
            pages.append(SlideDeck.page(output.figure, title: recipe.title, caption: output.caption))
        }
        do { try writePDF(pages, to: path, title: title) } catch {
            throw .render(recipe: "slides", reason: "\(error)")
        }
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
