import AtomicFiles
import Foundation
import Pipeline
import Yams

/// How each study stage kind maps onto a `rederive` subcommand.
///
///     train:    inputs {config: FILE.yaml}; params override the config's keys
///               (e.g. {seed: 1, steps: 1500}); outputs {run: FOLDER/}
///     analyze:  inputs {run: FOLDER/}; outputs {out: FOLDER/}
///     figure R: inputs: analysis folders; outputs: R.png, R.pdf, R.caption.txt (one prefix)
///     slides:   inputs: analysis folders; outputs: slides.pdf and a Markdown gallery (.md)
///
/// `train` and `analyze` run with the stage param `threads` (default 1), not with the share of
/// the machine `make -j` gives them, and `-j` only decides how many run at once. The results do
/// not depend on the thread count; a long run may simply be given more.
public enum StudyStages {
    public static let train = ToolStageRunner(kind: "train", version: 3) { context in
        let config = try input(context, "config")
        let run = try output(context, "run")
        // The run folder keeps the exact config it was trained with.
        try FileManager.default.createDirectory(atPath: run.temporaryPath, withIntermediateDirectories: true)
        let merged = run.temporaryPath + "/config.yaml"
        try writeMergedConfig(config, overrides: context.params.filter { $0.key != "threads" }, to: merged)
        return ["train", "--config", merged, "--out", run.temporaryPath, "--threads", threads(context), "--deterministic-log"]
    }

    public static let analyze = ToolStageRunner(kind: "analyze", version: 2) { context in
        ["analyze", try input(context, "run"), "--out", try output(context, "out").temporaryPath, "--threads", threads(context)]
    }

    public static let figure = ToolStageRunner(kind: "figure", version: 3) { context in
        guard let recipe = context.stage.kind.argument else {
            throw StageFailure(message: "stage \(context.stage.name): 'figure' needs a recipe name, e.g. kind: figure loss_curves")
        }
        let png = try outputWithExtension(context, ".png")
        let prefix = String(png.temporaryPath.dropLast(4))
        for slot in context.outputs where !slot.temporaryPath.hasPrefix(prefix) {
            throw StageFailure(message: "stage \(context.stage.name): outputs must share one prefix (\(png.path.dropLast(4)).png, .pdf, .caption.txt); \(slot.path) does not")
        }
        return ["figure", recipe] + context.inputs.map(\.path) + ["--out", prefix]
    }

    public static let slides = ToolStageRunner(kind: "slides", version: 3) { context in
        ["slides", "--from"] + context.inputs.map(\.path)
            + ["--pdf", try outputWithExtension(context, ".pdf").temporaryPath,
               "--gallery", try outputWithExtension(context, ".md").temporaryPath]
    }

    // MARK: Helpers

    /// The stage's `threads` param, 1 by default.
    static func threads(_ context: StageContext) -> String {
        if case .int(let count)? = context.params["threads"], count >= 1 { return String(count) }
        return "1"
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
        guard var config = try Yams.load(yaml: text) as? [String: Any] else {
            throw StageFailure(message: "\(path): a training config must be a YAML mapping of keys to values")
        }
        for (key, value) in overrides { config[key] = value.yamlValue }
        let merged = try Yams.dump(object: config, sortKeys: true)
        do { try AtomicFile.write(Array(merged.utf8), to: destination) } catch { throw StageFailure(message: "\(error)") }
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
