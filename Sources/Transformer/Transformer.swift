/// The study's transformer: configuration, parameters, forward with an activation cache,
/// hand-written backward, AdamW, tasks, trainer and checkpoints.
public enum TransformerModule {}
