/// Pipeline files, the stage graph, fingerprints, the lock file, the scheduler and executors.
public enum PipelineModule {}
