/// The study's figures: named functions from analysis outputs to a `Figure`.
public enum RecipesModule {}
