import AtomicFiles
import Foundation

/// What `rederive make` was asked to do.
public struct MakeOptions: Sendable {
    public var targets: [String] = []
    public var jobs: Int = 1
    public var dryRun = false
    /// Rerun the stages the targets name (every stage without targets), even if up to date.
    public var force = false
    /// With `force`: also rerun every stage the targets depend on.
    public var forceUpstream = false
    public var overrides: [ParamOverride] = []
    /// Wait for another `make` of the same pipeline instead of refusing.
    public var waitForLock = false
    /// Seconds between SIGTERM and SIGKILL for running stages after Ctrl-C.
    public var terminationGrace: Double = 5
    /// Run the stages as Slurm jobs instead of on this machine (`make --executor slurm`).
    public var slurm: SlurmOptions?
    /// Inputs to read from elsewhere, by path as written (`Project.inputRedirects`).
    public var inputRedirects: [String: String] = [:]

    public init() {}
}

/// How a `make` ended, stage by stage.
public struct MakeResult: Sendable {
    public var ran: [String] = []
    public var upToDate: [String] = []
    /// Stage, message and log path.
    public var failed: [(stage: String, message: String, log: String?)] = []
    /// Stages not run because a stage they depend on failed (or the run was interrupted).
    public var blocked: [String] = []
    /// "warning: " lines from the logs of stages that ran (a figure's layout audit findings),
    /// also printed as each stage finishes.
    public var warnings: [String] = []
    /// For a dry run: stage and why it would run.
    public var plan: [(stage: String, reasons: [OutOfDateReason])] = []
    public var interrupted = false
    /// Set when stages were not run because another's input is missing (nothing ran).
    public var inputMissing = false
    /// Set when the no-op fast path answered: the number of stages, all up to date.
    public var noOpStageCount: Int?

    /// 0 ok, 1 a stage failed, 130 interrupted.
    public var exitCode: Int32 { interrupted ? 130 : (failed.isEmpty ? 0 : 1) }
}

/// A make of one pipeline, shaped like ninja's; this is where its parts are made and wired, and
/// none of them keeps a reference back here.
///
/// The scheduler reads the lock file and the hash cache once. Its out-of-date scan (`plan`, for
/// `--dry-run`, `status` and `--emit`) says what would run and why. `make` builds a `BuildPlan`
/// (the selected stages and which are ready: ninja's Plan), an `Executor` (`LocalExecutor`
/// here, `SlurmExecutor` on a cluster: ninja's command runner) and a `Builder` that drives them,
/// handing jobs to the executor and applying the `StageResult`s it returns to the plan, the
/// stage's outputs (`StageFiles`) and its own copy of the lock (`LockWriter`).
///
/// Each stage is checked only when every stage it depends on has finished, so its inputs are
/// hashed as they are now: a stage that reran but wrote identical bytes leaves its dependents up
/// to date (early cut-off). Outputs are written to temporary paths and renamed into place only
/// when the stage succeeds; the lock file is rewritten atomically as stages finish (at most once
/// a second) and at the end, so an interrupted run leaves no half-written output, no corrupt
/// lock, and the next `make` picks up where it stopped.
public final class Scheduler {
    let project: Project
    let pipeline: Pipeline
    let registry: StageRegistry
    /// Where stages run; when nil, a `SlurmExecutor` for `make --executor slurm`, else a
    /// `LocalExecutor` with `make -j`'s count.
    let executor: (any Executor)?
    let console: Console
    /// The lock file as this make found it: the scan reads it, and the builder records into a copy.
    let lock: LockFile
    /// The stages' logs and outputs, and the hash cache, lent to the builder.
    let files: StageFiles
    /// The hash cache: saved after the scan and after the build.
    var hasher: FileHasher { files.hasher }

    public init(project: Project, pipeline: Pipeline, registry: StageRegistry, executor: (any Executor)? = nil,
                console: Console = Console()) throws(PipelineError) {
        self.project = project
        self.pipeline = pipeline
        self.registry = registry
        self.executor = executor
        self.console = console
        files = StageFiles(project: project, artifacts: pipeline.artifacts)
        PhaseTimer.shared.mark("hash cache load")
        self.lock = try LockFile.read(project.lockPath, pipeline: project.name)
        PhaseTimer.shared.mark("lock load")
    }

    // MARK: The out-of-date scan (dry run, status)

    /// Every selected stage with its reasons to run (empty when up to date), in order. A stage
    /// downstream of one that will run is listed with `upstreamWillRun`.
    public func plan(targets: [String], force: Bool, forceUpstream: Bool = false,
                     allReasons: Bool) throws(PipelineError) -> [(stage: Int, reasons: [OutOfDateReason])] {
        let selected = try pipeline.selection(for: targets)
        try checkParams(selected)
        let forced = force ? try pipeline.forced(by: targets, upstream: forceUpstream) : []
        var willRun = Set<Int>()
        var result = [(stage: Int, reasons: [OutOfDateReason])]()
        for i in selected {
            let stage = pipeline.stages[i]
            var reasons = [OutOfDateReason]()
            if forced.contains(i) { reasons.append(.forced) }
            if let d = stage.dependencies.first(where: willRun.contains) { reasons.append(.upstreamWillRun(pipeline.stages[d].name)) }
            if reasons.isEmpty || allReasons {
                let check = try Fingerprint.check(stage, lock: lock, runner: registry.runner(for: stage.kind), hasher: hasher, allReasons: allReasons)
                // An input an upstream stage will (re)write is not "missing" yet.
                reasons += check.reasons.filter { reason in
                    if case .inputMissing(let path) = reason, stage.inputs.contains(where: { $0.path == path && $0.producer.map(willRun.contains) == true }) { return false }
                    return true
                }
            }
            if !reasons.isEmpty {
                willRun.insert(i)
                // Said now, so that a dry run or status does not promise a run make will refuse.
                if let (output, _) = files.foreignOutputFolder(of: stage, built: lock.stages[stage.name]) {
                    reasons.append(.refusedOutputFolder(output.path))
                }
            }
            result.append((i, reasons))
        }
        hasher.save()
        return result
    }

    // MARK: Running

    /// Errors in params and kinds (`PipelineCheck`): thrown before anything runs. (That each
    /// kind has a runner, the parser checked against the same registry.)
    func checkParams(_ selected: [Int]) throws(PipelineError) {
        if let error = PipelineCheck.combined(PipelineCheck.errors(pipeline, selected: selected, registry: registry)) { throw error }
    }

    /// Inputs nothing produces that do not exist, found before anything runs: each such stage
    /// fails, and every other selected stage is not run. Returns whether there were any.
    func failMissingInputs(_ selected: [Int], into result: inout MakeResult) throws(PipelineError) -> Bool {
        let missing = try PipelineCheck.missingInputs(pipeline, selected: selected, hasher: hasher)
        guard !missing.isEmpty else { return false }
        let failed = Set(missing.map(\.stage))
        for (i, error) in missing { result.failed.append((pipeline.stages[i].name, error.description, nil)) }
        result.blocked = selected.filter { !failed.contains($0) }.map { pipeline.stages[$0].name }
        result.inputMissing = true
        return true
    }

    public func make(_ options: MakeOptions) throws(PipelineError) -> MakeResult {
        var result = MakeResult()
        let selected = try pipeline.selection(for: options.targets)
        try checkParams(selected)
        if try failMissingInputs(selected, into: &result) { return result }
        if options.dryRun {
            for (i, reasons) in try plan(targets: options.targets, force: options.force, forceUpstream: options.forceUpstream, allReasons: false) {
                if reasons.isEmpty { result.upToDate.append(pipeline.stages[i].name) } else { result.plan.append((pipeline.stages[i].name, reasons)) }
            }
            return result
        }
        let forced = options.force ? try pipeline.forced(by: options.targets, upstream: options.forceUpstream) : []
        let executor = self.executor
            ?? options.slurm.map { SlurmExecutor(project: project, pipeline: pipeline, options: $0, make: options, console: console) }
            ?? LocalExecutor(jobs: options.jobs)
        // An executor that chains jobs itself is handed every stage the scan says will run.
        var scanned: [Int: [OutOfDateReason]]?
        if executor.chainsDependencies {
            let scan = try plan(targets: options.targets, force: options.force, forceUpstream: options.forceUpstream, allReasons: false)
            scanned = Dictionary(scan.map { ($0.stage, $0.reasons) }, uniquingKeysWith: { first, _ in first })
        }
        let buildPlan = BuildPlan(pipeline, selected: selected, forced: forced, scanned: scanned)
        return try Builder(pipeline: pipeline, registry: registry, files: files, lock: lock, plan: buildPlan,
                           executor: executor, options: options, console: console).run()
    }
}
