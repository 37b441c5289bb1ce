#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What `rederive run-stage` was asked to do.
public struct RunStageOptions: Sendable {
    public var overrides: [ParamOverride] = []
    /// With several stage names: the environment variable whose value (0-based) picks one
    /// (`SLURM_ARRAY_TASK_ID`, `JOB_COMPLETION_INDEX`).
    public var indexVariable: String?
    /// Also record the stage in the lock file (taking the pipeline's process lock), for jobs
    /// submitted by hand with no controller waiting for them.
    public var recordInLock = false
    /// Run even when the stage is up to date against the lock (`make --force`).
    public var force = false

    public init() {}

    /// The log line of a stage found up to date on the node; the controller reads it.
    public static let upToDateMarker = "# rederive: up to date, not run"
}

extension PipelineCommands {
    /// `rederive run-stage PIPELINE STAGE...`: runs one expanded stage here, as a cluster job
    /// does. Outputs are written to temporaries and renamed into place only on success; the lock
    /// file is left to the controller (`make --executor slurm`) unless `recordInLock`. Returns
    /// the exit status: 0 ok, 1 the stage failed.
    public static func runStage(_ pipelineArgument: String, stages names: [String], options: RunStageOptions,
                                registry: StageRegistry, console: Console = Console(interactive: false),
                                directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PipelineError) -> Int32 {
        let cwd = directory ?? Project.currentDirectory()
        guard let project = try Project.locate(pipelineArgument, from: cwd) else {
            throw PipelineError(.noPipeline, at: nil, "no pipeline '\(pipelineArgument)'", hint: "give the pipeline file's path")
        }
        let name = try pick(names, options: options, environment: environment)
        let pipeline = try project.load(overrides: options.overrides, registry: registry)
        guard let index = pipeline.index[name] else {
            throw PipelineError(.unknownTarget, at: nil, "pipeline \(project.name) has no stage '\(name)'",
                                hint: "the expanded names are listed by `rederive dag`; were the same -S overrides given?")
        }
        let stage = pipeline.stages[index]
        guard let runner = registry.runner(for: stage.kind) else {
            throw PipelineError(.missingRunner, at: stage.kindLocation, "stage '\(stage.name)' has kind '\(stage.kind)', which has no runner registered in this build")
        }
        let lock = try LockFile.read(project.lockPath, pipeline: project.name)
        let files = StageFiles(project: project, artifacts: pipeline.artifacts)
        let log = try StageLog(path: files.logPath(stage))
        // The controller submits a stage downstream of one that runs; if that one rewrote
        // identical bytes, this stage is up to date now (early cut-off).
        if !options.force {
            let check = try Fingerprint.check(stage, lock: lock, runner: runner, hasher: files.hasher, allReasons: false)
            if check.isUpToDate {
                log.write(RunStageOptions.upToDateMarker + ": its inputs, params, code and outputs match the lock\n")
                console.line("up to date \(stage.name)")
                return 0
            }
        }
        try files.refuseForeignOutputFolders(stage, built: lock.stages[stage.name])
        let slots = try files.prepare(stage)
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        let job = environment["SLURM_JOB_ID"].map { " as Slurm job \(environment["SLURM_ARRAY_JOB_ID"].map { "\($0)_\(environment["SLURM_ARRAY_TASK_ID"] ?? "")" } ?? $0)" } ?? ""
        log.write("# rederive: stage \(stage.name) (\(stage.kind)) by run-stage on \(String(nulTerminated: host))\(job)\n")

        let started = AtomicFileIO.monotonicSeconds()
        var failure = run(runner, stage: stage, slots: slots, log: log, project: project, environment: environment)
        AtomicFileIO.remove(log.path + ".progress")
        var outputs = [String: String]()
        if failure == nil {
            do { outputs = try files.commit(stage, slots: slots, built: lock.stages[stage.name]) } catch { failure = error.description }
        }
        if let failure {
            files.discard(slots)
            log.write("# rederive: stage failed: \(failure)\n")
            console.error("error: stage \(stage.name) failed: \(failure)\n  log: \(log.path)")
            return 1
        }
        let duration = AtomicFileIO.monotonicSeconds() - started
        if options.recordInLock {
            try record(stage, runner: runner, in: project, pipeline: pipeline, outputs: outputs, duration: duration)
        }
        console.line(String(format: "ok     %@  (%.1fs)", stage.name, duration))
        return 0
    }

    /// Runs the stage here; scancel's SIGTERM stops its children. Returns why it failed, if it did.
    private static func run(_ runner: any StageRunner, stage: Stage, slots: [StageOutputSlot], log: StageLog, project: Project,
                            environment: [String: String]) -> String? {
        let threads = environment["SLURM_CPUS_PER_TASK"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
        let cancellation = Cancellation()
        // scancel sends SIGTERM: stop the stage's children and discard its temporaries.
        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }
        let watcher = Thread {
            while !cancellation.isCancelled {
                if InterruptSignal.pending() != 0 { cancellation.cancel(); break }
                usleep(50_000)
            }
        }
        watcher.start()
        defer { if !cancellation.isCancelled { cancellation.cancel() } }
        let context = StageContext(stage: stage, projectRoot: project.root,
                                   inputs: stage.inputs.map { ($0.name, project.absolute($0.path)) },
                                   outputs: slots, log: log, progress: { _, _ in }, cancellation: cancellation,
                                   threads: max(1, threads), progressFile: log.path + ".progress")
        var failure: String?
        do {
            try runner.run(context)
            if InterruptSignal.pending() != 0 { failure = "interrupted" }
        } catch {
            failure = InterruptSignal.pending() != 0 ? "interrupted" : String(describing: error)
        }
        return failure
    }

    /// `--record`: the stage in the lock file, read again under the pipeline's process lock (other
    /// jobs may have recorded theirs meanwhile), with its inputs hashed now.
    private static func record(_ stage: Stage, runner: any StageRunner, in project: Project, pipeline: Pipeline,
                               outputs: [String: String], duration: Double) throws(PipelineError) {
        let processLock = try ProcessLock(path: project.stateFolder(artifacts: pipeline.artifacts) + "/\(project.name).pid",
                                          pipeline: project.name, wait: true, command: "run-stage")
        var lock = try LockFile.read(project.lockPath, pipeline: project.name)
        let files = StageFiles(project: project, artifacts: pipeline.artifacts)
        lock.record(stage, runner: runner, inputs: try files.hashInputs(stage), outputs: outputs, duration: duration)
        try lock.write(to: project.lockPath)
        withExtendedLifetime(processLock) {}
    }

    /// The one stage name to run: the only one given, or the one the index variable selects.
    static func pick(_ names: [String], options: RunStageOptions, environment: [String: String]) throws(PipelineError) -> String {
        guard !names.isEmpty else { throw PipelineError(.unknownTarget, at: nil, "no stage name given") }
        if names.count == 1 && options.indexVariable == nil { return names[0] }
        guard let variable = options.indexVariable else {
            throw PipelineError(.unknownTarget, at: nil, "\(names.count) stage names given without --index-env",
                                hint: "give one stage, or --index-env VARIABLE naming the environment variable that picks one (0-based)")
        }
        guard let text = environment[variable] else {
            throw PipelineError(.unknownTarget, at: nil, "--index-env \(variable): the variable is not set",
                                hint: "Slurm sets SLURM_ARRAY_TASK_ID in job arrays, Kubernetes JOB_COMPLETION_INDEX in Indexed Jobs")
        }
        guard let index = Int(text), names.indices.contains(index) else {
            throw PipelineError(.unknownTarget, at: nil, "\(variable)=\(text) does not select one of the \(names.count) stage names",
                                hint: "expected 0...\(names.count - 1)")
        }
        return names[index]
    }
}
