/// What `train` says about its config before it starts, so that nothing is chosen silently: the
/// resolved values, which of them are the original study's defaults, a warning when the model's
/// shape or the step count was left to those defaults, and a note when the run will write many
/// checkpoints.
public struct ConfigEcho {
    /// Keys whose default the user most likely did not mean to take (the study's 4000 steps
    /// at batch 256 take minutes).
    static let mustBeSaid = ["n_layers", "d_model", "n_heads", "d_mlp", "d_vocab", "n_ctx", "steps", "batch"]
    /// Above this many checkpoints, say how many and how much disk they take.
    static let manyCheckpoints = 50

    public var info: [String] = []
    public var warnings: [String] = []

    public init(_ config: TrainingConfig, given: Set<String>, source: String) {
        let values = ConfigKey.all.map { (name: $0.name, value: $0.write(config)) }
        info.append("config \(source): " + values.filter { given.contains($0.name) }.map { "\($0.name) \($0.value)" }.joined(separator: ", "))
        let defaults = values.filter { !given.contains($0.name) }
        if !defaults.isEmpty {
            info.append("  the original study's defaults: " + defaults.map { "\($0.name) \($0.value)" }.joined(separator: ", "))
        }
        let unsaid = values.filter { Self.mustBeSaid.contains($0.name) && !given.contains($0.name) }
        if !unsaid.isEmpty {
            warnings.append("\(source) leaves out " + unsaid.map(\.name).joined(separator: ", ") + "; using the original study's "
                            + unsaid.map { "\($0.name) \($0.value)" }.joined(separator: ", ") + " (docs/training-config.md lists every key)")
        }
        let count = config.steps / max(config.checkpointEvery, 1) + 1
        if count > Self.manyCheckpoints {
            // A checkpoint holds the weights, and its optimizer state AdamW's two moments.
            let bytes = Double(count) * 3 * MemoryBudget.parameterBytes(config.model)
            info.append("this run writes \(count) checkpoints (steps \(config.steps), checkpoint_every \(config.checkpointEvery)), "
                        + "about \(MemoryBudget.format(bytes)) with their optimizer state; raise checkpoint_every to write fewer")
        }
    }
}
