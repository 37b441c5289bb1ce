import Analysis
import Recipes
import Transformer
import VegaLite

/// How the `rederive` executable spells each study job as the arguments of a child process:
/// for each kind, the one function that lives beside its subcommand's flags (`Train.arguments(for:)`,
/// ...). The stage kinds build typed jobs and never write a flag themselves, so a renamed flag
/// is an edit in that one function, and the tool's tests parse every job's arguments back with
/// the real command and compare.
///
/// Each stage runs in a child process because `make -j` runs several at once with their own
/// thread counts (a process-wide setting), and Ctrl-C must stop each the way it stops the
/// command at a terminal.
public struct StudyCommandLines: Sendable {
    public var train: @Sendable (TrainingJob) -> [String]
    public var analyze: @Sendable (AnalysisJob) -> [String]
    public var patch: @Sendable (PatchingJob) -> [String]
    public var figure: @Sendable (FigureJob) -> [String]
    public var specFigure: @Sendable (SpecFigureJob) -> [String]
    public var slides: @Sendable (SlidesJob) -> [String]

    public init(train: @escaping @Sendable (TrainingJob) -> [String], analyze: @escaping @Sendable (AnalysisJob) -> [String],
                patch: @escaping @Sendable (PatchingJob) -> [String], figure: @escaping @Sendable (FigureJob) -> [String],
                specFigure: @escaping @Sendable (SpecFigureJob) -> [String], slides: @escaping @Sendable (SlidesJob) -> [String]) {
        self.train = train; self.analyze = analyze; self.patch = patch
        self.figure = figure; self.specFigure = specFigure; self.slides = slides
    }
}
