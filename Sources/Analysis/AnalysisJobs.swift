/// One analysis as `rederive analyze` takes it and a pipeline's `analyze` stage asks for it:
/// the typed options its flags parse into and a stage's arguments are spelled from (the one
/// spelling is `Analyze.arguments(for:)`, beside the flags). The model's source options
/// (`AnalysisSettings`) are the command's own: stages use the defaults.
public struct AnalysisJob: Equatable, Sendable {
    /// A run folder, checkpoint or state dict.
    public var source: String
    /// The output folder.
    public var out: String
    /// Threads; the results do not depend on them.
    public var threads: Int
    /// Use `out` even if it holds other files (kept aside, never deleted).
    public var force = false

    public init(source: String, out: String, threads: Int) {
        self.source = source; self.out = out; self.threads = threads
    }
}

/// Activation patching on the model's own task as `rederive patch` takes it and a pipeline's
/// `patch` stage asks for it (spelled by `PatchCommand.arguments(for:)`); the command's
/// other options (token files, sweeps, a state dict's config) keep their defaults in a stage.
public struct PatchingJob: Equatable, Sendable {
    /// A run folder, checkpoint or state dict.
    public var source: String
    /// The output folder.
    public var out: String
    /// Threads; the results do not depend on them.
    public var threads: Int
    /// Sequences in the task's batch.
    public var sequences = PatchingJob.defaultSequences
    /// Use `out` even if it holds other files (kept aside, never deleted).
    public var force = false

    public static let defaultSequences = 64

    public init(source: String, out: String, threads: Int) {
        self.source = source; self.out = out; self.threads = threads
    }
}
