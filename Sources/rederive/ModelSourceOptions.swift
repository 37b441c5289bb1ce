import Analysis
import ArgumentParser
import Transformer

/// The options `analyze` and `report` share for opening a model and choosing its data.
struct ModelSourceOptions: ParsableArguments {
    @OptionGroup var stateDict: StateDictOptions
    @Option(help: "The task to evaluate on: previous_token or k_back:K (for checkpoints without a rederive config).")
    var task: String = "previous_token"
    @Option(help: "Evaluate on these tokens (.npy, int64 or int32, [batch, n_ctx]) instead of the task's generator.")
    var tokens: String?
    @Option(help: "Targets for --tokens (.npy, same shape; negative = no target). Default: next-token prediction.")
    var targets: String?
    @Option(help: "Sequences in the evaluation batch.")
    var sequences: Int = AnalysisSettings().evalSequences

    func validate() throws {
        guard TaskKind(name: task) != nil else { throw ValidationError("--task must be previous_token or k_back:K, got '\(task)'") }
        if targets != nil && tokens == nil { throw ValidationError("--targets needs --tokens") }
        if sequences < 2 { throw ValidationError("--sequences must be at least 2 (probes hold some out), got \(sequences)") }
    }

    func apply(to settings: inout AnalysisSettings) {
        settings.evalSequences = sequences
        settings.checkpoint = stateDict.checkpointOptions(task: TaskKind(name: task) ?? .previousToken)
        if let tokens { settings.tokensFile = (tokens, targets) }
    }
}
