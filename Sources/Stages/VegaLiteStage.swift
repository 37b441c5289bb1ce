import Foundation
import Pipeline
import Plot
import VegaLite

/// `kind: vega-lite`: a figure drawn from a Vega-Lite spec (a `SpecFigureJob`) by a child `rederive figure SPEC`,
/// to the outputs' shared prefix: those of `.png`, `.pdf`, `.svg`, `.caption.txt` and `.data.json`
/// (the numbers drawn) that the outputs list.
///
///     - name: loss
///       kind: vega-lite
///       inputs: {spec: figures/loss.vl.json}
///       outputs: [Figures/loss.png, Figures/loss.pdf, Figures/loss.data.json]
///
/// Every data file the spec names (`data.url`, resolved against the spec's folder) becomes an
/// input of the stage when the pipeline is expanded, so the lock records its SHA-256, editing it
/// redraws the figure, and a stage that writes it runs first. A spec that an earlier stage writes
/// cannot be read then: its data files must be listed among the inputs, which is checked before
/// the stage runs.
enum VegaLiteStage {
    static func runner(_ spell: @escaping @Sendable (SpecFigureJob) -> [String]) -> ToolStageRunner {
        ToolStageRunner(kind: "vega-lite", params: [], check: { stage, root in check(stage, root: root) },
                        implied: { stage, root in dataInputs(of: specInput(stage).map { [$0] } ?? [], root: root) }) { context in
            guard let spec = context.inputs.first(where: { $0.name == "spec" })?.path ?? context.inputs.map(\.path).first(where: SpecFigureWriter.isSpec) else {
                throw StageFailure(message: "stage \(context.stage.name) (vega-lite) needs an input named 'spec'")
            }
            if let missing = undeclaredData(spec: spec, inputs: context.inputs.map(\.path), root: context.projectRoot) {
                throw StageFailure(message: "stage \(context.stage.name): \(missing)")
            }
            let (prefix, files) = try StudyStages.figureFiles(context, listing: FigureFile.allCases)
            return spell(SpecFigureJob(spec: spec, out: prefix, files: files))
        }
    }

    /// The stage's spec input: the one named `spec`, else the first with a spec's extension.
    static func specInput(_ stage: Stage) -> StageInput? {
        stage.inputs.first(where: { $0.name == "spec" }) ?? stage.inputs.first(where: { SpecFigureWriter.isSpec($0.path) })
    }

    /// The data files a spec names: each `data.url` as written, and the absolute path it leads to
    /// (URLs are relative to the spec's folder; stage inputs to the project's root).
    static func dataFiles(ofSpec specPath: String) throws -> [(url: String, path: String)] {
        let folder = (specPath as NSString).deletingLastPathComponent
        return try VegaLiteSpec.dataURLs(path: specPath).map { ($0, absolute($0, root: folder)) }
    }

    /// The data files of `specs`, project-relative, as implied inputs named `data`. The stage's
    /// inputs hold only those no stage writes, so a written spec is not read here.
    static func dataInputs(of specs: [StageInput], root: String) -> ImpliedInputs {
        var found = ImpliedInputs(name: "data")
        for spec in specs {
            let specPath = absolute(spec.path, root: root)
            // An unreadable spec is `check`'s to report; its identity still keys the cached expansion.
            found.readFrom.append(specPath)
            guard let files = try? dataFiles(ofSpec: specPath) else { continue }
            found.paths += files.map { relativePath($0.path, root: root) }
        }
        return found
    }

    static func check(_ stage: Stage, root: String) -> [PipelineError] {
        guard let spec = specInput(stage) else {
            return [PipelineError(.missingKey, at: stage.location, "stage '\(stage.baseName)' (vega-lite) needs an input named 'spec'",
                                  hint: "inputs: {spec: figures/NAME.vl.json}")]
        }
        // A spec an earlier stage writes may not exist yet: it is checked when the stage runs.
        guard spec.producer == nil else { return [] }
        let files: [(url: String, path: String)]
        do { files = try dataFiles(ofSpec: absolute(spec.path, root: root)) } catch {
            return [PipelineError(.missingKey, at: spec.location, "stage '\(stage.baseName)': \(error)")]
        }
        // A data file no stage writes must exist; named as the spec names it.
        return files.compactMap { url, path in
            let relative = relativePath(path, root: root)
            guard stage.inputs.first(where: { $0.path == relative })?.producer == nil, !FileManager.default.fileExists(atPath: path) else { return nil }
            return PipelineError(.invalidPath, at: spec.location,
                                 "stage '\(stage.baseName)': \(spec.path) reads data file '\(url)' (relative to the spec's folder: \(relative)), which does not exist",
                                 hint: "no stage writes it: create it, or fix the spec's data.url")
        }
    }

    /// What the spec reads that `inputs` does not list (or why the spec cannot be read), or nil.
    static func undeclaredData(spec: String, inputs: [String], root: String) -> String? {
        let specPath = absolute(spec, root: root)
        let files: [(url: String, path: String)]
        do { files = try dataFiles(ofSpec: specPath) } catch { return "\(error)" }
        let declared = Set(inputs.map { absolute($0, root: root) })
        let missing = files.map(\.path).filter { !declared.contains($0) }
        guard !missing.isEmpty else { return nil }
        let relative = missing.map { relativePath($0, root: root) }
        return "\(spec) reads \(relative.joined(separator: ", ")), which the stage does not list among its inputs "
            + "(an earlier stage writes the spec, so its data could not be found before it ran); "
            + "add \(relative.count == 1 ? "it" : "them"), e.g. inputs: {spec: \(relativePath(specPath, root: root)), data: [\(relative.joined(separator: ", "))]}"
    }

    static func absolute(_ path: String, root: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: root, isDirectory: true)).standardizedFileURL.path
    }

    static func relativePath(_ path: String, root: String) -> String {
        let base = URL(fileURLWithPath: root, isDirectory: true).standardizedFileURL.path
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : path
    }
}
