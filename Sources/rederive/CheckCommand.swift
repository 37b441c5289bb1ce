import ArgumentParser
import Pipeline
import PipelineGraphics

/// `rederive check`: do the committed figures still reproduce?
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate a pipeline in a scratch folder and compare its committed outputs with the fresh ones.",
        discussion: """
            Tolerant mode (the default, for CI across machines) compares PNGs and rasterised PDFs by \
            RMS over 0-255 pixel values, figure data and the .npy arrays this machine has built with \
            --rtol/--atol; --exact wants identical pixels, PDF bytes, data and lock file (same machine); \
            --data judges figures by their data files and captions by their numbers, whatever the \
            pixels (CI whose Cairo or fonts differ). A figure that differs is explained by its data: \
            which panel, series and point moved, or "pixels only". Exits 1 when anything differs, \
            after writing an HTML report with difference images.
            """)

    @Argument(help: "The pipeline (default: the only one in Pipelines/, else previous-token).")
    var pipeline: String?
    @Flag(help: "Identical pixels, PDF bytes, figure data and lock file.")
    var exact = false
    @Flag(help: "Judge figures by their data (NAME.data.json) within --rtol/--atol and captions number by number, whatever the pixels.")
    var data = false
    @Option(help: "The largest RMS (0-255) a figure may differ by in tolerant mode.")
    var tolerance: Double = 2
    @Option(help: "Relative tolerance for figure data and .npy artifacts.")
    var rtol: Double = 1e-3
    @Option(help: "Absolute tolerance for figure data and .npy artifacts.")
    var atol: Double = 1e-5
    @Option(help: "Where to write the report (default: <artifacts>/check-report): a new or empty folder, or one check wrote.")
    var report: String?
    @Option(help: "Regenerate here and keep it (default: a temporary folder, removed): a new or empty folder, or one check made, apart from the project and its inputs.")
    var scratch: String?
    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Stages to run at once.")
    var jobs: Int = 1
    @OptionGroup var overrides: OverrideOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if exact && data { throw ValidationError("--exact and --data are two modes; choose one") }
    }

    func run() throws {
        try reportingErrors {
            let (project, _) = try PipelineCommands.locate(pipeline.map { [$0] } ?? [], registry: .rederive)
            var options = ReproductionCheck.Options()
            options.exact = exact
            options.dataOnly = data
            options.tolerance = tolerance
            options.relativeTolerance = rtol
            options.absoluteTolerance = atol
            options.report = report
            options.scratch = scratch
            options.jobs = jobs
            options.overrides = try overrides.overrides()
            let console = output.console
            let result = try ReproductionCheck(project: project, options: options).run(registry: .rederive, console: console)
            let mode = exact ? "exact" : data ? "data" : "tolerant"
            if output.json {
                print(CheckSummary.json(passed: result.passed, mode: mode, fileSet: result.fileSet, notes: result.notes,
                                        comparisons: result.comparisons, report: result.reportPath))
            } else {
                CheckSummary.lines(result.comparisons).forEach { console.error($0) }
                if let failure = result.buildFailure { console.error("the regeneration failed: \(failure)") }
                result.notes.forEach { console.line("note: " + $0) }
                console.line("compared (\(mode)): \(result.fileSet)")
                console.line("report: \(result.reportPath)")
                let failed = result.comparisons.filter { !$0.passed }.count
                print("check: \(result.comparisons.count - failed) passed, \(failed) failed")
            }
            if !result.passed { throw ExitCode.failure }
        }
    }
}
