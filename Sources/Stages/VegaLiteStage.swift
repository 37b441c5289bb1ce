import Foundation
import Pipeline
import VegaLite

/// `kind: vega-lite`: a figure drawn from a Vega-Lite spec by a child `rederive figure SPEC`,
/// to the outputs' shared prefix (`.png`, `.pdf`, and `.svg`, `.caption.txt` if declared; always
/// `.data.json`, the numbers drawn, which the outputs should list).
///
///     - name: loss
///       kind: vega-lite
///       inputs: {spec: figures/loss.vl.json, data: [data/loss.csv]}
///       outputs: [Figures/loss.png, Figures/loss.pdf, Figures/loss.data.json]
///
/// Every data file the spec names (`data.url`, resolved against the spec's folder) must be among
/// the stage's inputs, so the lock records its SHA-256 and editing it redraws the figure; a
/// missing one is an error that names it, before anything runs when the spec exists then, and
/// before the stage runs when an earlier stage writes the spec.
enum VegaLiteStage {
    static let runner = ToolStageRunner(kind: "vega-lite", params: [], check: { stage, root in check(stage, root: root) }) { context in
        guard let spec = context.inputs.first(where: { $0.name == "spec" })?.path ?? context.inputs.map(\.path).first(where: SpecFigureWriter.isSpec) else {
            throw StageFailure(message: "stage \(context.stage.name) (vega-lite) needs an input named 'spec'")
        }
        if let missing = undeclaredData(spec: spec, inputs: context.inputs.map(\.path), root: context.projectRoot) {
            throw StageFailure(message: "stage \(context.stage.name): \(missing)")
        }
        let png = try StudyStages.outputWithExtension(context, ".png")
        let prefix = String(png.temporaryPath.dropLast(4))
        for slot in context.outputs where !slot.temporaryPath.hasPrefix(prefix) {
            throw StageFailure(message: "stage \(context.stage.name): outputs must share one prefix (\(png.path.dropLast(4)).png, .pdf, .svg, .caption.txt, .data.json); \(slot.path) does not")
        }
        let formats = context.outputs.map { ($0.path as NSString).pathExtension }.filter(SpecFigureWriter.formats.contains)
        return ["figure", spec, "--out", prefix, "--formats", formats.joined(separator: ",")]
    }

    static func check(_ stage: Stage, root: String) -> [PipelineError] {
        guard let spec = stage.inputs.first(where: { $0.name == "spec" }) ?? stage.inputs.first(where: { SpecFigureWriter.isSpec($0.path) }) else {
            return [PipelineError(.missingKey, at: stage.location, "stage '\(stage.baseName)' (vega-lite) needs an input named 'spec'",
                                  hint: "inputs: {spec: figures/NAME.vl.json, data: [data/NAME.csv]}")]
        }
        // Inputs that earlier stages write may not exist yet: the check then runs with the stage.
        guard stage.inputs.allSatisfy({ $0.producer == nil }),
              let missing = undeclaredData(spec: spec.path, inputs: stage.inputs.map(\.path), root: root) else { return [] }
        return [PipelineError(.missingKey, at: spec.location, "stage '\(stage.baseName)': \(missing)")]
    }

    /// What the spec reads that `inputs` does not list (or why the spec cannot be read), or nil.
    static func undeclaredData(spec: String, inputs: [String], root: String) -> String? {
        let specPath = absolute(spec, root: root)
        let loaded: VegaLiteSpec
        do { loaded = try VegaLiteSpec.load(path: specPath) } catch { return "\(error)" }
        // Data URLs are relative to the spec's folder; inputs to the project's root.
        let folder = (specPath as NSString).deletingLastPathComponent
        let declared = Set(inputs.map { absolute($0, root: root) })
        let missing = loaded.dataFiles.map { absolute($0, root: folder) }.filter { !declared.contains($0) }
        guard !missing.isEmpty else { return nil }
        let relative = missing.map { relativePath($0, root: root) }
        return "\(spec) reads \(relative.joined(separator: ", ")), which the stage does not list among its inputs; "
            + "add \(relative.count == 1 ? "it" : "them"), e.g. inputs: {spec: \(spec), data: [\(relative.joined(separator: ", "))]}"
    }

    static func absolute(_ path: String, root: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: root, isDirectory: true)).standardizedFileURL.path
    }

    static func relativePath(_ path: String, root: String) -> String {
        let base = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}
