import Analysis
import Spelling
import AtomicFiles
import Foundation
import Pipeline
import Plot
import Recipes
import Transformer
import VegaLite
import SafeYAML
import Yams

/// How each study stage kind maps onto a `rederive` subcommand: the kind builds the typed job
/// (`TrainingJob`, `AnalysisJob`, ...) from the stage's inputs, outputs and params, and the
/// child process runs it as spelled by `StudyCommandLines`.
///
///     train:    inputs {config: FILE.yaml}; params override the config's keys
///               (e.g. {seed: 1, steps: 1500}); outputs {run: FOLDER/}
///     analyze:  inputs {run: FOLDER/}; outputs {out: FOLDER/}
///     patch:    inputs {run: FOLDER/}; outputs {out: FOLDER/}; activation patching on the
///               run's task (`rederive patch`)
///     figure R: inputs: analysis (and patching) folders; outputs: R.png, R.pdf, R.caption.txt,
///               R.data.json (one prefix)
///     slides:   inputs: analysis (and patching) folders; outputs: slides.pdf and a Markdown
///               gallery (.md)
///
/// `train`, `analyze` and `patch` run with the stage param `threads` (default 1), not with the share of
/// the machine `make -j` gives them, and `-j` only decides how many run at once. The results do
/// not depend on the thread count; a long run may simply be given more.
public enum StudyStages {
    /// `threads`: the thread count (results do not depend on it); 1 by default.
    static let threads = ParamSpec("threads", .int(1...1024))

    /// `train` with params `threads` and the config keys of `schema`, the config with them
    /// applied checked as valid; with no schema, any params (config keys) unchecked.
    public static func train(checkedBy schema: TrainConfigSchema?, _ spell: @escaping @Sendable (TrainingJob) -> [String]) -> ToolStageRunner {
        ToolStageRunner(kind: "train", params: schema.map { [threads] + $0.keys.map { ParamSpec($0, .any) } }, check: { stage, root in
            schema.map { checkMergedConfig(stage, root: root, schema: $0) } ?? []
        }) { context in spell(try trainingJob(context)) }
    }

    static func trainingJob(_ context: StageContext) throws -> TrainingJob {
        let config = try input(context, "config")
        let run = try output(context, "run")
        // The run folder keeps the exact config it was trained with. It is marked as a run first,
        // so that `train` takes the config beside it for its own, not for a user's file.
        try FileManager.default.createDirectory(atPath: run.temporaryPath, withIntermediateDirectories: true)
        try OwnedFolder.mark(run.temporaryPath, as: .run)
        let merged = run.temporaryPath + "/config.yaml"
        let overrides = context.params.filter { $0.key != "threads" }
        try writeMergedConfig(config, overrides: overrides, to: merged)
        var job = TrainingJob(config: merged, out: run.temporaryPath, threads: threads(context))
        job.deterministicLog = true
        // Messages name what the user wrote and paths that outlive a failed stage.
        job.postMortem = postMortemFolder(ofRun: run.path)
        job.configSource = overrides.isEmpty ? config : config + " with the stage's params"
        return job
    }

    /// Where a diverged run keeps its last good checkpoint and diverged state: beside the run
    /// folder, since the run's temporary folder is discarded when the stage fails.
    public static func postMortemFolder(ofRun path: String) -> String {
        var run = path
        while run.hasSuffix("/") { run.removeLast() }
        return run + ".post-mortem"
    }

    /// The stage's config with its params applied, read as `train` will read it: an error at
    /// the param it names (else at the config input) if it is not valid.
    static func checkMergedConfig(_ stage: Stage, root: String, schema: TrainConfigSchema) -> [PipelineError] {
        guard let input = stage.inputs.first(where: { $0.name == "config" }) ?? (stage.inputs.count == 1 ? stage.inputs.first : nil),
              input.producer == nil else { return [] }
        let path = input.path.hasPrefix("/") ? input.path : root + "/" + input.path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }  // a missing input is reported as such
        // Unknown keys are reported as unknown params already.
        let overrides = stage.params.filter { schema.keys.contains($0.key) }
        let merged: String
        // A matrix stage's input line is a template (`${design}`): name the expansion and the file it read.
        do { merged = try mergedConfig(text, source: input.path, overrides: overrides) } catch {
            return [PipelineError(.wrongType, at: input.location, "stage '\(stage.name)': \(error)")]
        }
        let source = overrides.isEmpty ? input.path : input.path + " with the stage's params"
        guard let problem = schema.check(merged, source) else { return [] }
        let key = overrides.keys.sorted().first { problem.contains("'\($0)'") }
        let named = problem.contains(input.path) ? "" : source + " "
        return [PipelineError(.wrongType, at: key.flatMap { stage.paramLocations[$0] } ?? input.location,
                              "stage '\(stage.name)': the training config \(named)is not valid: \(problem)")]
    }

    public static func analyze(_ spell: @escaping @Sendable (AnalysisJob) -> [String]) -> ToolStageRunner {
        ToolStageRunner(kind: "analyze", params: [threads]) { context in
            spell(AnalysisJob(source: try input(context, "run"), out: try output(context, "out").temporaryPath, threads: threads(context)))
        }
    }

    /// `rederive patch` on the task's own corruption; `sequences` (64 by default) in the batch.
    public static func patch(_ spell: @escaping @Sendable (PatchingJob) -> [String]) -> ToolStageRunner {
        ToolStageRunner(kind: "patch", params: [threads, ParamSpec("sequences", .int(1...1_000_000))]) { context in
            var job = PatchingJob(source: try input(context, "run"), out: try output(context, "out").temporaryPath, threads: threads(context))
            if case .int(let count)? = context.params["sequences"] { job.sequences = count }
            return spell(job)
        }
    }

    public static func figure(_ spell: @escaping @Sendable (FigureJob) -> [String]) -> ToolStageRunner {
        ToolStageRunner(kind: "figure", argument: "recipe", params: [], check: { stage, _ in checkRecipe(stage) }) { context in
            guard let recipe = context.stage.kind.argument else {
                throw StageFailure(message: "stage \(context.stage.name): 'figure' needs a recipe name, e.g. kind: figure loss_curves")
            }
            let (prefix, files) = try figureFiles(context, listing: FigureFile.recipe)
            return spell(FigureJob(recipe: recipe, analyses: context.inputs.map(\.path), out: prefix, files: files))
        }
    }

    /// A figure stage's outputs: the prefix they share (the PNG's, temporary) and the figure
    /// files they declare there, all the writer writes, so nothing undeclared is left among the
    /// stage's temporaries. `kinds` are the files the stage can write, named when a prefix differs.
    static func figureFiles(_ context: StageContext, listing kinds: [FigureFile]) throws -> (prefix: String, files: [FigureFile]) {
        let png = try outputWithExtension(context, FigureFile.png.suffix)
        let prefix = String(png.temporaryPath.dropLast(FigureFile.png.suffix.count))
        for slot in context.outputs where !slot.temporaryPath.hasPrefix(prefix) {
            let shared = String(png.path.dropLast(FigureFile.png.suffix.count)) + FigureFile.png.suffix
            throw StageFailure(message: "stage \(context.stage.name): outputs must share one prefix (\(([shared] + kinds.dropFirst().map(\.suffix)).joined(separator: ", "))); \(slot.path) does not")
        }
        return (prefix, context.outputs.compactMap { FigureFile(rawValue: String($0.temporaryPath.dropFirst(prefix.count + 1))) })
    }

    /// A figure's recipe must be one the build knows (each has its code version).
    static func checkRecipe(_ stage: Stage) -> [PipelineError] {
        guard let recipe = stage.kind.argument else { return [] }
        let known = GeneratedCodeSources.groups.keys.filter { $0.hasPrefix("figure ") }.map { String($0.dropFirst(7)) }.sorted()
        if known.contains(recipe) { return [] }
        return [PipelineError(.unknownKey, at: stage.kindLocation, "stage '\(stage.baseName)': no figure recipe named '\(recipe)'",
                              hint: NameSuggestion.hint(for: recipe, in: known) + "recipes: \(known.joined(separator: ", "))")]
    }

    /// A deck of the stage's inputs (Vega-Lite specs, analysis folders), titled by its params;
    /// a `.md` output, if declared, is the gallery of the recipes' figures.
    public static func slides(_ spell: @escaping @Sendable (SlidesJob) -> [String]) -> ToolStageRunner {
        ToolStageRunner(kind: "slides", params: [ParamSpec("title", .string), ParamSpec("subtitle", .string), ParamSpec("theme", .string)],
                        check: { stage, _ in checkTheme(stage).map { [$0] } ?? [] },
                        implied: { stage, root in VegaLiteStage.dataInputs(of: stage.inputs.filter { SpecFigureWriter.isSpec($0.path) }, root: root) }) { context in
            var job = SlidesJob(from: context.inputs.map(\.path), pdf: try outputWithExtension(context, ".pdf").temporaryPath)
            job.gallery = context.outputs.first(where: { $0.path.hasSuffix(".md") })?.temporaryPath
            if case .string(let title)? = context.params["title"] { job.title = title }
            if case .string(let subtitle)? = context.params["subtitle"] { job.subtitle = subtitle }
            if case .string(let theme)? = context.params["theme"] {
                guard let chosen = SlideDeck.Theme(rawValue: theme) else { throw StageFailure(message: checkTheme(context.stage)?.description ?? theme) }
                job.theme = chosen
            }
            return spell(job)
        }
    }

    /// A slides stage's `theme` must name a deck theme; the error is at the param.
    static func checkTheme(_ stage: Stage) -> PipelineError? {
        guard case .string(let theme)? = stage.params["theme"], SlideDeck.Theme(rawValue: theme) == nil else { return nil }
        let themes = SlideDeck.Theme.allCases.map(\.rawValue)
        return PipelineError(.wrongType, at: stage.paramLocations["theme"] ?? stage.location, "stage '\(stage.baseName)': no deck theme named '\(theme)'",
                             hint: NameSuggestion.hint(for: theme, in: themes) + "themes: \(themes.joined(separator: ", "))")
    }

    // MARK: Helpers

    /// The stage's `threads` param, 1 by default.
    static func threads(_ context: StageContext) -> Int {
        if case .int(let count)? = context.params["threads"], count >= 1 { return count }
        return 1
    }

    static func input(_ context: StageContext, _ name: String) throws -> String {
        guard let input = context.inputs.first(where: { $0.name == name }) ?? (context.inputs.count == 1 ? context.inputs.first : nil) else {
            throw StageFailure(message: "stage \(context.stage.name) (\(context.stage.kind.name)) needs an input named '\(name)'")
        }
        return input.path
    }

    static func output(_ context: StageContext, _ name: String) throws -> StageOutputSlot {
        guard let slot = context.outputs.first(where: { $0.name == name }) ?? (context.outputs.count == 1 ? context.outputs.first : nil) else {
            throw StageFailure(message: "stage \(context.stage.name) (\(context.stage.kind.name)) needs an output named '\(name)'")
        }
        return slot
    }

    static func outputWithExtension(_ context: StageContext, _ suffix: String) throws -> StageOutputSlot {
        guard let slot = context.outputs.first(where: { $0.path.hasSuffix(suffix) }) else {
            throw StageFailure(message: "stage \(context.stage.name) (\(context.stage.kind.name)) needs an output ending in \(suffix)")
        }
        return slot
    }

    /// The config file with `overrides` applied to its top-level keys, written as YAML.
    static func writeMergedConfig(_ path: String, overrides: [String: ParamValue], to destination: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw StageFailure(message: "\(path): cannot read the training config")
        }
        let merged = try mergedConfig(text, source: path, overrides: overrides)
        do { try AtomicFile.write(Array(merged.utf8), to: destination) } catch { throw StageFailure(message: "\(error)") }
    }

    /// Config YAML text with `overrides` applied to its top-level keys, as YAML.
    static func mergedConfig(_ text: String, source: String, overrides: [String: ParamValue]) throws -> String {
        if let bomb = YAMLAliasGuard.problem(in: text) {
            throw StageFailure(message: "\(source):\(bomb.line): \(bomb.message); \(bomb.hint)")
        }
        guard var config = try Yams.load(yaml: text) as? [String: Any] else {
            throw StageFailure(message: "\(source): a training config must be a YAML mapping of keys to values")
        }
        for (key, value) in overrides { config[key] = value.yamlValue }
        return try Yams.dump(object: config, sortKeys: true)
    }
}

extension ParamValue {
    /// The value as Yams serialises it.
    var yamlValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let b): b
        case .int(let i): i
        case .double(let d): d
        case .string(let s): s
        case .list(let values): values.map(\.yamlValue)
        case .map(let entries): entries.mapValues(\.yamlValue)
        }
    }
}

extension StageRegistry {
    /// `cmd` plus the study's kinds (a new kind is defined above and listed here), in the order
    /// pipeline-file errors list them, run as `commandLines` spells their jobs; `train` params
    /// are checked against `trainConfig` if given.
    public static func study(commandLines: StudyCommandLines, trainConfig: TrainConfigSchema? = nil) -> StageRegistry {
        var registry = StageRegistry.standard
        let c = commandLines
        for runner in [StudyStages.train(checkedBy: trainConfig, c.train), StudyStages.analyze(c.analyze), StudyStages.patch(c.patch),
                       StudyStages.figure(c.figure), VegaLiteStage.runner(c.specFigure), StudyStages.slides(c.slides)] {
            registry.register(runner)
        }
        return registry
    }
}
