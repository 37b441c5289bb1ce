/// Why training stopped early. Each message says what happened and what to do.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss became NaN or infinite; nothing after `lastCheckpoint` was written.
    case nonFiniteLoss(step: Int, loss: Float, lastCheckpoint: String?)
    /// Stopped by Ctrl-C (or the caller) at a step boundary, after writing `checkpoint`.
    case interrupted(step: Int, checkpoint: String, resumeCommand: String)
    case checkpoint(CheckpointError)

    public var description: String {
        switch self {
        case .nonFiniteLoss(let step, let loss, let last):
            "training diverged: loss is \(loss) at step \(step). "
                + (last.map { "The last good checkpoint is \($0). " } ?? "")
                + "Lower lr, raise warmup_steps or check grad_clip, then start again."
        case .interrupted(let step, let checkpoint, let command):
            "interrupted at step \(step); saved \(checkpoint). Resume with:\n  \(command)"
        case .checkpoint(let error): "\(error)"
        }
    }
}
