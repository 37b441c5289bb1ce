import AtomicFiles
/// Why training stopped early. Each message says what happened and what to do.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss, a parameter or an optimizer moment became NaN or infinite at `step` (`what`
    /// says which). `lastCheckpoint` is the newest checkpoint, all finite; the diverged state was
    /// saved as `divergedFile` for post-mortems (nil if that write failed too).
    /// `inPipeline`: the run is a pipeline's stage, kept for post-mortems outside its run folder.
    case diverged(step: Int, what: String, lastCheckpoint: String?, divergedFile: String?, inPipeline: Bool)
    /// `--out` already holds a run and neither resuming nor overwriting was asked for.
    case existingRun(folder: String, lastStep: Int)
    /// Stopped by Ctrl-C (or the caller) at a step boundary, after writing `checkpoint`.
    case interrupted(step: Int, checkpoint: String, resumeCommand: String)
    /// `--out` holds only the run an interrupted `--overwrite` set aside in `previous-run/`.
    case onlyPreviousRun(folder: String)
    /// `--out` is a folder that Rederive did not make as a run folder (`OwnedFolder`).
    case refusedFolder(AtomicFileError)
    /// The config needs more memory than the limit (`MemoryBudget`).
    case memory(MemoryBudgetError)
    case checkpoint(CheckpointError)

    public var description: String {
        switch self {
        case .diverged(let step, let what, let last, let diverged, let inPipeline):
            "training diverged at step \(step): \(what). "
                + (last.map { "The last good checkpoint is \($0). " } ?? "")
                + (diverged.map { "The diverged state is saved as \($0) for a post-mortem. " } ?? "")
                + (inPipeline ? "Lower lr, raise warmup_steps or check grad_clip (in the stage's config or params), then run make again."
                              : "Lower lr, raise warmup_steps or check grad_clip, then start again with --overwrite.")
        case .existingRun(let folder, let lastStep):
            "\(folder) already holds a training run (checkpoints up to step \(lastStep)). "
                + "Continue it with --resume, or start again with --overwrite (the old run is deleted once the new one has its first checkpoint)"
        case .interrupted(let step, let checkpoint, let command):
            "interrupted at step \(step); saved \(checkpoint). Resume with:\n  \(command)"
        case .onlyPreviousRun(let folder):
            "\(folder) holds no checkpoint of its own, only the run that an interrupted --overwrite set aside in "
                + "\(folder)/previous-run/. Restore that run with: mv \(folder)/previous-run/* \(folder)/ && rmdir \(folder)/previous-run; "
                + "or start afresh with --overwrite (previous-run/ is deleted once the new run has its first checkpoint)"
        case .refusedFolder(let error): "\(error)"
        case .memory(let error): "\(error)"
        case .checkpoint(let error): "\(error)"
        }
    }
}
