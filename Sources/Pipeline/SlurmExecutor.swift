#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How `make --executor slurm` submits and waits.
public struct SlurmOptions: Sendable {
    /// The `rederive` the jobs run (`rederive run-stage ...`): an absolute path on the shared filesystem.
    public var executable: String
    /// Seconds between `scontrol show job` polls.
    public var pollInterval: Double = 1
    /// Resources for stages without `resources:` keys.
    public var defaults: StageResources = .defaults
    public var client: any SlurmClient = CommandLineSlurm()

    public init(executable: String) {
        self.executable = executable
    }
}

/// Runs a `make` on Slurm: each out-of-date stage becomes an sbatch job (a job array for a matrix
/// stage) that runs `rederive run-stage` on the shared filesystem, chained with
/// `--dependency=afterok`. This process stays the controller: it holds the pipeline's process
/// lock, polls `scontrol show job` (never sacct), and as each task completes hashes its outputs
/// and records it in the lock file through the scheduler's own recording code, so the lock is
/// the one a local run writes (up to durations).
///
/// It submits everything at once, so a stage downstream of one that will run is submitted too;
/// `run-stage` then checks it on the node against the lock and, when its upstream rewrote
/// identical bytes, skips it (early cut-off, as in a local run) and says so in its log.
public final class SlurmExecutor {
    let scheduler: Scheduler
    let options: SlurmOptions
    var console: Console { scheduler.console }
    var pipeline: Pipeline { scheduler.pipeline }
    var project: Project { scheduler.project }

    public init(scheduler: Scheduler, options: SlurmOptions) {
        self.scheduler = scheduler
        self.options = options
    }

    /// Where the controller writes its sbatch scripts.
    var scriptFolder: String { project.stateFolder(artifacts: pipeline.artifacts) + "/slurm/" + project.name }
    /// Where Slurm writes each job's own output.
    var slurmOutputFolder: String { project.logFolder(artifacts: pipeline.artifacts) + "/slurm" }

    /// The stages of `targets` that are out of date, in order, and the result's up-to-date and
    /// failed (an input nothing will produce) entries. Dependents of a failed stage are blocked.
    func stagesToRun(_ makeOptions: MakeOptions, into result: inout MakeResult) throws(PipelineError) -> [Int] {
        let plan = try scheduler.plan(targets: makeOptions.targets, force: makeOptions.force,
                                      forceUpstream: makeOptions.forceUpstream, allReasons: false)
        var unusable = Set<Int>()
        var toRun = [Int]()
        for (i, reasons) in plan {
            let stage = pipeline.stages[i]
            if stage.dependencies.contains(where: unusable.contains) {
                unusable.insert(i)
                result.blocked.append(stage.name)
            } else if reasons.isEmpty {
                result.upToDate.append(stage.name)
            } else if let missing = try firstMissingSource(stage) {
                // Like a local run: an input no stage produces must exist before anything is submitted.
                unusable.insert(i)
                let message = "\(missing.location): error: input \(missing.path) does not exist"
                result.failed.append((stage.name, message, nil))
                console.line("FAILED \(stage.name): \(message)")
            } else {
                toRun.append(i)
            }
        }
        // A mistake in the pipeline is found before anything runs: then nothing is submitted.
        if !result.failed.isEmpty {
            result.blocked += toRun.map { pipeline.stages[$0].name }
            return []
        }
        return toRun
    }

    /// An input that no stage produces and that does not exist. (An input an up-to-date stage
    /// produces exists, or that stage would be out of date.)
    private func firstMissingSource(_ stage: Stage) throws(PipelineError) -> StageInput? {
        for input in stage.inputs where input.producer == nil {
            if try scheduler.hasher.hash(input.path) == nil { return input }
        }
        return nil
    }

    /// The scripts for `toRun`, one per cluster job.
    func scripts(for toRun: [Int], overrides: [ParamOverride], recordsLock: Bool, force: Bool) throws(PipelineError) -> [SlurmScript] {
        let yaml = String(decoding: try project.readPipelineBytes(), as: UTF8.self)
        let resources = try StageResources.read(yaml: yaml, path: project.relativeDisplay(project.pipelineFile))
        return ClusterPlan.jobs(toRun, in: pipeline, resources: resources, defaults: options.defaults).map { job in
            SlurmScript(job: job, pipelineName: project.name, executable: options.executable, pipelineFile: project.pipelineFile,
                        root: project.root, outputFolder: slurmOutputFolder, overrides: overrides.map(\.text), recordsLock: recordsLock, force: force)
        }
    }

    /// The stage's own log, which `run-stage` writes.
    func logPath(_ i: Int) -> String { project.logFolder(artifacts: pipeline.artifacts) + "/" + pipeline.stages[i].name + ".log" }

    public func make(_ makeOptions: MakeOptions) throws(PipelineError) -> MakeResult {
        var result = MakeResult()
        let toRun = try stagesToRun(makeOptions, into: &result)
        let lockWriter = LockWriter(scheduler, console: console)
        guard !toRun.isEmpty else {
            try lockWriter.finish()
            return result
        }
        let scripts = try scripts(for: toRun, overrides: makeOptions.overrides, recordsLock: false, force: makeOptions.force)
        try AtomicFileIO.makeFolders(slurmOutputFolder)
        try AtomicFileIO.makeFolders(scheduler.project.logFolder(artifacts: pipeline.artifacts))
        InterruptSignal.install()
        defer { InterruptSignal.uninstall() }
        let build = SlurmBuild(self, scripts: scripts, result: result, lockWriter: lockWriter)
        try build.submitAll()
        build.pollUntilDone()
        console.endLive()
        try lockWriter.finish()
        return build.result
    }
}
