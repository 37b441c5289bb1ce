import ArgumentParser
import Pipeline
import Stages
import Transformer

/// `rederive make [PIPELINE] [TARGETS...]`: bring outputs up to date.
struct Make: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make",
        abstract: "Rebuild what is out of date in a pipeline, dependencies first.",
        discussion: """
        PIPELINE is a file or a name in Pipelines/ (default: the only one, else previous-token). \
        TARGETS are stage names (expanded like train@layers=2,seed=0, or base names for every \
        expansion) or output paths; default: every stage.

        Examples:
          rederive make smoke
          rederive make smoke analyze@design=study --force
          rederive make smoke -n -S 'designs=[study]'
          rederive make -n -S steps=1200 train
        """
    )

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Option(name: [.customShort("j"), .customLong("jobs")], help: "Stages to run at once.")
    var jobs: Int = 1

    @Flag(name: [.customShort("n"), .customLong("dry-run")], help: "Show what would run and why; run nothing.")
    var dryRun = false

    @Flag(help: "Rerun the TARGETS (every stage without TARGETS), even if up to date; not what they depend on.")
    var force = false

    @Flag(help: "Like --force, and also rerun every stage the TARGETS depend on.")
    var forceUpstream = false

    @OptionGroup var overrides: OverrideOptions

    @Flag(help: "If another make of this pipeline is running, wait for it instead of refusing.")
    var wait = false

    @OptionGroup var output: OutputOptions

    enum ExecutorChoice: String, ExpressibleByArgument, CaseIterable { case local, slurm }

    @Option(help: "Where stages run: here (local), or as Slurm jobs that this make submits and waits for (slurm).")
    var executor: ExecutorChoice = .local

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Write the jobs to DIR without submitting: sbatch scripts (slurm) or Kubernetes Indexed Jobs (k8s). Put PIPELINE and TARGETS before it.",
                               valueName: "slurm|k8s DIR"))
    var emit: [String] = []

    @Option(help: ArgumentHelp("Seconds between Slurm queue polls.", visibility: .hidden))
    var pollInterval: Double = 1

    func validate() throws {
        if !emit.isEmpty {
            guard emit.count == 2, ClusterFormat(rawValue: emit[0]) != nil else {
                throw ValidationError("--emit takes a format (slurm or k8s) and a folder, e.g. --emit slurm jobs/; put PIPELINE and TARGETS before --emit")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            var options = MakeOptions()
            options.jobs = jobs
            options.dryRun = dryRun
            options.force = force || forceUpstream
            options.forceUpstream = forceUpstream
            options.waitForLock = wait
            options.overrides = try overrides.overrides()
            var slurm = SlurmOptions(executable: currentExecutablePath())
            slurm.pollInterval = pollInterval
            if let format = emit.first.flatMap(ClusterFormat.init(rawValue:)) {
                let written = try PipelineCommands.emit(arguments, format: format, folder: emit[1], options: options, slurm: slurm,
                                                        registry: .rederive, console: output.console)
                output.emit(JSONOutput(["emitted": JSONOutput.strings(written)]))
                return
            }
            if executor == .slurm { options.slurm = slurm }
            let result = try PipelineCommands.make(arguments, options: options, registry: .rederive, console: output.console)
            output.emit(result.jsonOutput)
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}

extension StageRegistry {
    /// The stage kinds this build of rederive can run: `cmd` and the study's kinds, `train`
    /// params checked against the training config's schema. Commands given no pipeline use the
    /// study's, `previous-token`, when `Pipelines/` holds several.
    static var rederive: StageRegistry {
        var registry = StageRegistry.study(commandLines: .rederive, trainConfig: TrainConfigSchema(keys: ConfigLoader.knownKeys) { yaml, source in
            do {
                _ = try ConfigLoader.load(yaml: yaml, source: source)
                return nil
            } catch {
                return (error as? ConfigError)?.message ?? "\(error)"
            }
        })
        registry.defaultPipeline = "previous-token"
        return registry
    }
}

extension StudyCommandLines {
    /// Each study job spelled by its subcommand's own function, beside that command's flags.
    public static let rederive = StudyCommandLines(train: Train.arguments(for:), analyze: Analyze.arguments(for:),
                                                   patch: PatchCommand.arguments(for:), figure: FigureCommand.arguments(for:),
                                                   specFigure: FigureCommand.arguments(for:), slides: Slides.arguments(for:))

    /// The job the real command parses `arguments` into, as a stage's child process runs it (nil
    /// for a command that is no stage's): how the tests read every spelling back.
    public static func job(parsing arguments: [String]) throws -> (any Sendable)? {
        switch try Rederive.parseAsRoot(arguments) {
        case let command as Train: command.job
        case let command as Analyze: command.job
        case let command as PatchCommand: command.job
        case let command as FigureCommand: FigureCommand.isSpec(command.recipe) ? command.specJob : command.job
        case let command as Slides: command.job
        default: nil
        }
    }
}

extension MakeResult {
    /// What `make --json` prints: the stages by outcome, and for a dry run what would run and why.
    var jsonOutput: JSONOutput {
        JSONOutput([
            "ran": JSONOutput.strings(ran), "up_to_date": JSONOutput.strings(noOpStageCount == nil ? upToDate : []),
            "up_to_date_count": .int(noOpStageCount ?? upToDate.count),
            "failed": .list(failed.map { .map(["stage": .string($0.stage), "message": .string($0.message), "log": $0.log.map(ParamValue.string) ?? .null]) }),
            "not_run": JSONOutput.strings(blocked), "warnings": JSONOutput.strings(warnings),
            "would_run": .list(plan.map { .map(["stage": .string($0.stage), "reasons": JSONOutput.strings($0.reasons.map(\.description))]) }),
            "interrupted": .bool(interrupted), "exit_status": .int(Int(exitCode)),
        ])
    }
}
