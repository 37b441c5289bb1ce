/// Figures as values, a pure layout pass, and a Cairo renderer to PNG, PDF and SVG.
public enum PlotModule {}
