import Pipeline

/// A stage kind the pipeline fuzzer parses against but never runs.
///
/// Why not the study's own registry (`StageRegistry.study`, in Stages): the fuzz build
/// instruments every module with `-sanitize=fuzzer`, and that includes the CodeFingerprints
/// plugin's build tool, which Stages needs and which cannot link as a fuzzer. So the fuzzer
/// parses against the study's kind names (`train`, `analyze`, `figure <recipe>`, `slides`,
/// as `Sources/Stages/StudyStages.swift` registers them), each accepting any params.
struct ParseOnlyRunner: StageRunner {
    let kind: String
    var argument: String? = nil

    func codeVersion(for stage: Stage) -> String { "fuzz" }

    func run(_ context: StageContext) throws {}

    static var studyKinds: StageRegistry {
        var registry = StageRegistry.standard
        for runner in [ParseOnlyRunner(kind: "train"), ParseOnlyRunner(kind: "analyze"),
                       ParseOnlyRunner(kind: "figure", argument: "recipe"), ParseOnlyRunner(kind: "slides")] {
            registry.register(runner)
        }
        return registry
    }
}
