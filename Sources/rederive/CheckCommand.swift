import ArgumentParser
import Pipeline
import PipelineGraphics

/// `rederive check`: do the committed figures still reproduce?
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate a pipeline in a scratch folder and compare its committed outputs with the fresh ones.",
        discussion: """
            Tolerant mode (the default, for CI across machines) compares PNGs and rasterised PDFs by \
            RMS over 0-255 pixel values; --exact wants identical pixels and PDF bytes (same machine). \
            Exits 1 when anything differs, after writing an HTML report with difference images.
            """)

    @Argument(help: "The pipeline (default: the only one in Pipelines/, else previous-token).")
    var pipeline: String?
    @Flag(help: "Identical pixels, PDF bytes and lock file.")
    var exact = false
    @Option(help: "The largest RMS (0-255) a figure may differ by in tolerant mode.")
    var tolerance: Double = 2
    @Option(help: "Relative tolerance for .npy artifacts.")
    var rtol: Double = 1e-3
    @Option(help: "Absolute tolerance for .npy artifacts.")
    var atol: Double = 1e-5
    @Option(help: "Where to write the report (default: <artifacts>/check-report): a new or empty folder, or one check wrote.")
    var report: String?
    @Option(help: "Regenerate here and keep it (default: a temporary folder, removed): a new or empty folder, or one check made, apart from the project and its inputs.")
    var scratch: String?
    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Stages to run at once.")
    var jobs: Int = 1
    @OptionGroup var overrides: OverrideOptions

    func run() throws {
        try reportingErrors {
            let (project, _) = try PipelineCommands.locate(pipeline.map { [$0] } ?? [], registry: .rederive)
            var options = ReproductionCheck.Options()
            options.exact = exact
            options.tolerance = tolerance
            options.relativeTolerance = rtol
            options.absoluteTolerance = atol
            options.report = report
            options.scratch = scratch
            options.jobs = jobs
            options.overrides = try overrides.overrides()
            let console = Console()
            let result = try ReproductionCheck(project: project, options: options).run(registry: .rederive, console: console)
            for comparison in result.comparisons where !comparison.passed {
                console.error("FAIL \(comparison.path): \(comparison.verdict.sentence)")
            }
            if let failure = result.buildFailure { console.error("the regeneration failed: \(failure)") }
            let failed = result.comparisons.filter { !$0.passed }.count
            console.line("report (\(exact ? "exact" : "tolerance \(tolerance)")): \(result.reportPath)")
            console.line("check: \(result.comparisons.count - failed) passed, \(failed) failed")
            if !result.passed { throw ExitCode.failure }
        }
    }
}
