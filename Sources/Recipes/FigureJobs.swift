import Plot
/// One recipe drawn as `rederive figure RECIPE` takes it and a pipeline's `figure` stage asks
/// for it (spelled by `FigureCommand.arguments(for:)`, beside the flags).
public struct FigureJob: Equatable, Sendable {
    /// The recipe's name, or `all`.
    public var recipe: String
    /// Analysis (and patching) folders.
    public var analyses: [String]
    /// The output prefix (`PREFIX.png`, `.pdf`, `.caption.txt`, `.data.json`).
    public var out: String
    /// The files to write, of `FigureFile.recipe`; nil: all of them.
    public var files: [FigureFile]?

    public init(recipe: String, analyses: [String], out: String, files: [FigureFile]? = nil) {
        self.recipe = recipe; self.analyses = analyses; self.out = out; self.files = files
    }
}

/// A deck drawn as `rederive slides --from` takes it and a pipeline's `slides` stage asks for
/// it (spelled by `Slides.arguments(for:)`, beside the flags).
public struct SlidesJob: Equatable, Sendable {
    /// Vega-Lite specs and analysis folders (and the specs' data files, only read by them).
    public var from: [String]
    /// The deck to write.
    public var pdf: String
    /// A Markdown gallery of the recipes' figures and captions to write too.
    public var gallery: String?
    public var title = SlidesJob.defaultTitle
    public var subtitle = ""
    public var theme = SlideDeck.Theme.light

    public static let defaultTitle = "Figures"

    public init(from: [String], pdf: String) {
        self.from = from; self.pdf = pdf
    }
}
