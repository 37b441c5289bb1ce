import ArgumentParser
import Foundation
import Pipeline

/// `rederive run-stage PIPELINE STAGE...`: what a cluster job runs (hidden from the main help).
struct RunStage: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-stage",
        abstract: "Run one expanded stage of a pipeline here, as a Slurm or Kubernetes job does.",
        discussion: """
        Writes the stage's outputs atomically and leaves the lock file to the controller \
        (make --executor slurm), unless --record. With several STAGE names, --index-env names the \
        environment variable (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX) whose value picks one.
        """,
        shouldDisplay: false
    )

    @Argument(help: "The pipeline file.")
    var pipeline: String

    @Argument(help: "Expanded stage name(s).")
    var stages: [String]

    @OptionGroup var overrides: OverrideOptions

    @Option(help: ArgumentHelp("Environment variable whose value (0-based) picks one of several STAGE names.", valueName: "VARIABLE"))
    var indexEnv: String?

    @Flag(help: "Also record the stage in the lock file (for jobs submitted by hand).")
    var record = false

    @Flag(help: "Run even if the stage is up to date against the lock file.")
    var force = false

    func run() throws {
        try reportingErrors {
            var options = RunStageOptions()
            options.overrides = try overrides.overrides()
            options.indexVariable = indexEnv
            options.recordInLock = record
            options.force = force
            let status = try PipelineCommands.runStage(pipeline, stages: stages, options: options, registry: .rederive)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// This executable's absolute path, for jobs that run `rederive run-stage` on other nodes.
func currentExecutablePath() -> String {
    let resolved = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    if resolved != "/proc/self/exe" { return resolved }
    let argument = CommandLine.arguments[0]
    return argument.hasPrefix("/") ? argument : FileManager.default.currentDirectoryPath + "/" + argument
}
