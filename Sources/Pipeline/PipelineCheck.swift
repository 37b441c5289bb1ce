import Spelling
import Foundation

/// Mistakes in a pipeline file that parsing alone cannot see, found before anything runs (by
/// `make`, `make --dry-run` and `status` alike): params a stage kind does not take or of the
/// wrong type or range, a kind's own checks (a `train` stage's config keys, a figure's recipe),
/// and inputs that nothing produces and that do not exist.
public enum PipelineCheck {
    /// Every param and kind error of the `selected` stages, each once (a matrix stage's
    /// expansions share their declaration's mistakes), in pipeline order.
    public static func errors(_ pipeline: Pipeline, selected: [Int], registry: StageRegistry) -> [PipelineError] {
        var errors = [PipelineError]()
        var seen = Set<String>()
        for i in selected {
            let stage = pipeline.stages[i]
            guard let runner = registry.runner(for: stage.kind) else { continue }
            var found = [PipelineError]()
            if let specs = runner.params {
                for name in stage.params.keys.sorted() {
                    found += problems(stage, param: name, specs: specs, runner: runner)
                }
            }
            found += runner.validate(stage, root: pipeline.root)
            for error in found where seen.insert(error.description).inserted { errors.append(error) }
        }
        return errors
    }

    private static func problems(_ stage: Stage, param name: String, specs: [ParamSpec], runner: any StageRunner) -> [PipelineError] {
        let at = stage.paramLocations[name] ?? stage.location
        guard let spec = specs.first(where: { $0.name == name }) else {
            let known = specs.map(\.name)
            if known.contains(where: { $0 == "*" }) { return [] }
            return [PipelineError(.unknownKey, at: at, "stage '\(stage.baseName)' (\(runner.kind)) takes no param '\(name)'",
                                  hint: NameSuggestion.hint(for: name, in: known)
                                      + (known.isEmpty ? "it takes no params" : "it takes: \(known.joined(separator: ", "))"))]
        }
        guard let problem = spec.problem(with: stage.params[name]!) else { return [] }
        return [PipelineError(.wrongType, at: at, "stage '\(stage.baseName)': \(problem)")]
    }

    /// Inputs of the selected stages that no stage produces and that do not exist.
    static func missingInputs(_ pipeline: Pipeline, selected: [Int], hasher: FileHasher) throws(PipelineError) -> [(stage: Int, error: PipelineError)] {
        var missing = [(stage: Int, error: PipelineError)]()
        for i in selected {
            for input in pipeline.stages[i].inputs where input.producer == nil {
                if try hasher.hash(input.path) != nil { continue }
                missing.append((i, PipelineError(.invalidPath, at: input.location, "input \(input.path) does not exist",
                                                 hint: similarFile(input.path, root: pipeline.root) + "no stage produces it: create it, or fix the path")))
                break
            }
        }
        return missing
    }

    /// "did you mean 'x'? " for a file of a similar name in the same folder.
    static func similarFile(_ path: String, root: String) -> String {
        let url = URL(fileURLWithPath: path.hasPrefix("/") ? path : root + "/" + path)
        let folder = url.deletingLastPathComponent().path
        guard let siblings = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return "" }
        guard let close = NameSuggestion.closest(to: url.lastPathComponent, in: siblings.filter { !$0.hasPrefix(".") }) else { return "" }
        return "did you mean '\((path as NSString).deletingLastPathComponent)/\(close)'? "
    }

    /// One error for several: the first's code and location, every error's text, one per line.
    public static func combined(_ errors: [PipelineError]) -> PipelineError? {
        guard var first = errors.first else { return nil }
        if errors.count > 1 {
            first.message += first.hint.map { "\n  hint: " + $0 } ?? ""
            first.message += errors.dropFirst().map { "\n" + $0.description }.joined()
            first.hint = nil
        }
        return first
    }
}
