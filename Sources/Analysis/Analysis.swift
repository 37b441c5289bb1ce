/// Attention statistics, probes, PCA, circuits, composition, attribution and ablations.
public enum AnalysisModule {}
