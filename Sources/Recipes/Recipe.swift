import Plot

/// A named figure of the study: a pure function from analysed runs to a `Figure` and its caption.
public struct Recipe: Sendable {
    public var name: String
    /// The title slides and the gallery use.
    public var title: String
    /// Builds the figure and a one- or two-sentence caption with numbers from the runs.
    public var make: @Sendable (StudyRuns) throws(RecipeError) -> RecipeOutput

    public init(name: String, title: String, make: @escaping @Sendable (StudyRuns) throws(RecipeError) -> RecipeOutput) {
        self.name = name
        self.title = title
        self.make = make
    }

    /// Every recipe, in the order of the study's story (and of the slides).
    public static let all: [Recipe] = [
        .lossCurves, .attentionPatterns, .positionalCode, .positionProbes, .residualPCA,
        .weightProducts, .logitAttribution, .mlpNeurons, .meanAblation,
    ]

    public static func named(_ name: String) throws(RecipeError) -> Recipe {
        guard let recipe = all.first(where: { $0.name == name }) else {
            throw .unknownRecipe(name, known: all.map(\.name))
        }
        return recipe
    }
}

/// A drawn recipe.
public struct RecipeOutput: Sendable {
    public var figure: Figure
    public var caption: String
}

/// The analysed runs a recipe draws from, grouped by design.
public struct StudyRuns: Sendable {
    public let runs: [AnalyzedRun]

    public init(runs: [AnalyzedRun]) {
        // A stable order: design, then seed.
        self.runs = runs.sorted { a, b in
            a.config.variant != b.config.variant ? a.config.variant < b.config.variant : a.config.seed < b.config.seed
        }
    }

    /// Loads each analysis folder.
    public init(folders: [String]) throws(RecipeError) {
        self.init(runs: try folders.map { folder throws(RecipeError) in try AnalyzedRun(folder: folder) })
    }

    /// The designs present, the study first.
    public var variants: [Variant] { Array(Set(runs.map(\.config.variant))).sorted() }

    public func runs(of variant: Variant) -> [AnalyzedRun] { runs.filter { $0.config.variant == variant } }

    /// The study model's runs (2 layers, MLP, no positional embeddings), or the first design's.
    public var studyRuns: [AnalyzedRun] {
        let study = runs.filter { $0.config.variant.isStudy }
        return study.isEmpty ? runs(of: variants.first ?? Variant(nLayers: 0, hasMLP: false, learnedPositions: false)) : study
    }

    /// The study model's lowest seed: the run single-model figures show.
    public func mainRun(for recipe: String) throws(RecipeError) -> AnalyzedRun {
        guard let run = studyRuns.first else { throw .missingRuns(recipe: recipe, need: "at least one analysed run") }
        return run
    }
}

