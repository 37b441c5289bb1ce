import Plot

/// A named figure of the study: a pure function from analysed runs to a `Figure` and its caption.
public struct Recipe: Sendable {
    public var name: String
    /// The title slides and the gallery use.
    public var title: String
    /// What the recipe draws from besides the analyses.
    public var needs: Needs
    /// Builds the figure and a one- or two-sentence caption with numbers from the runs.
    public var make: @Sendable (StudyRuns) throws(RecipeError) -> RecipeOutput

    public enum Needs: Sendable {
        /// Analysis folders only (`rederive analyze`).
        case analyses
        /// Patching folders too (`rederive patch`).
        case patching
    }

    public init(name: String, title: String, needs: Needs = .analyses,
                make: @escaping @Sendable (StudyRuns) throws(RecipeError) -> RecipeOutput) {
        self.name = name
        self.title = title
        self.needs = needs
        self.make = make
    }

    /// Every recipe, in the order of the study's story (and of the slides).
    public static let all: [Recipe] = [
        .lossCurves, .attentionPatterns, .positionalCode, .positionProbes, .residualPCA,
        .weightProducts, .logitAttribution, .mlpNeurons, .meanAblation, .activationPatching,
    ]

    /// Whether `runs` hold the kind of data the recipe draws: a deck or `figure all` of
    /// analysis folders alone leaves out the recipes of patching.
    public func canDraw(_ runs: StudyRuns) -> Bool {
        needs == .analyses || !runs.patchings.isEmpty
    }

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
    /// How to read the figure, for pages that say so before it (the report); empty for slides.
    public var explanation: String

    public init(figure: Figure, caption: String, explanation: String = "") {
        self.figure = figure
        self.caption = caption
        self.explanation = explanation
    }
}

/// The analysed runs a recipe draws from, grouped by design.
///
/// Runs trained on another recipe than the pipeline's main one (the one most runs share; on a
/// tie, the one that sees fewer tokens) are kept apart in `comparisonRuns`: the design figures
/// compare designs on one budget, and only the figures about the recipe look at the others.
public struct StudyRuns: Sendable {
    /// The runs on the main training recipe.
    public let runs: [AnalyzedRun]
    /// The runs on any other recipe.
    public let comparisonRuns: [AnalyzedRun]
    /// Activation patching of any of the runs (`rederive patch` folders).
    public let patchings: [PatchedRun]

    public init(runs all: [AnalyzedRun], patchings: [PatchedRun] = []) {
        self.patchings = patchings
        // A stable order: design, then seed.
        let sorted = all.sorted { a, b in
            a.config.variant != b.config.variant ? a.config.variant < b.config.variant : a.config.seed < b.config.seed
        }
        let counts = Dictionary(grouping: sorted, by: \.config.training).mapValues(\.count)
        let main = counts.keys.max { a, b in
            counts[a]! != counts[b]! ? counts[a]! < counts[b]! : a.steps * a.batch > b.steps * b.batch
        }
        runs = sorted.filter { $0.config.training == main }
        comparisonRuns = sorted.filter { $0.config.training != main }
    }

    /// The training recipe of `runs`.
    public var mainTraining: TrainingRecipe? { runs.first?.config.training }

    /// The study design's runs on every recipe, grouped by recipe, the main one first.
    public var studyRunsByRecipe: [(recipe: TrainingRecipe, runs: [AnalyzedRun])] {
        let variant = studyRuns.first?.config.variant
        let others = comparisonRuns.filter { $0.config.variant == variant }
        var groups = studyRuns.isEmpty ? [] : [(studyRuns[0].config.training, studyRuns)]
        for run in others {
            if let index = groups.firstIndex(where: { $0.0 == run.config.training }) { groups[index].1.append(run) }
            else { groups.append((run.config.training, [run])) }
        }
        return groups.map { (recipe: $0.0, runs: $0.1) }
    }

    /// Loads each folder: an analysis, or a patching (told apart by their summaries).
    public init(folders: [String]) throws(RecipeError) {
        var runs = [AnalyzedRun](), patchings = [PatchedRun]()
        for folder in folders {
            if PatchedRun.isPatching(folder) { patchings.append(try PatchedRun(folder: folder)) }
            else { runs.append(try AnalyzedRun(folder: folder)) }
        }
        self.init(runs: runs, patchings: patchings)
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

    /// The patching of each of the study model's runs that has one, in the runs' order (the
    /// main run first); a patching is matched to its run by the training config.
    public func studyPatchings(for recipe: String) throws(RecipeError) -> [PatchedRun] {
        let matched = studyRuns.compactMap { run in patchings.first { $0.config == run.config } }
        guard let first = matched.first, first.config == studyRuns.first?.config else {
            throw .missingRuns(recipe: recipe, need: "the patching (`rederive patch`) of the study model's run with the lowest seed")
        }
        return matched
    }
}

