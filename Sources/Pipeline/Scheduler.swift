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

/// A make of one pipeline, shaped like ninja's: the plan (`plan`, for `--dry-run` and `status`)
/// says what is out of date and why; the `Builder` runs the selected stages, dependencies first,
/// through an `Executor` (`LocalExecutor` here, `SlurmExecutor` on a cluster), which it asks for
/// work; lock writing, failure reports and Ctrl-C are the builder's, the same for both.
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
    let hasher: FileHasher
    var lock: LockFile

    public init(project: Project, pipeline: Pipeline, registry: StageRegistry, executor: (any Executor)? = nil,
                console: Console = Console()) throws(PipelineError) {
        self.project = project
        self.pipeline = pipeline
        self.registry = registry
        self.executor = executor
        self.console = console
        let state = project.stateFolder(artifacts: pipeline.artifacts)
        self.hasher = FileHasher(root: project.root, cachePath: state + "/\(project.name).hashes")
        hasher.redirects = project.inputRedirects
        PhaseTimer.shared.mark("hash cache load")
        self.lock = try LockFile.read(project.lockPath, pipeline: project.name)
        PhaseTimer.shared.mark("lock load")
    }

    // MARK: Planning (dry run, status)

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
                if let (output, _) = foreignOutputFolder(of: stage) { reasons.append(.refusedOutputFolder(output.path)) }
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
        let executor = self.executor ?? options.slurm.map { SlurmExecutor(self, options: $0, make: options) } ?? LocalExecutor(jobs: options.jobs)
        return try Builder(self, executor: executor, options: options, selected: selected, forced: forced).run()
    }

    /// Records a stage that succeeded in the lock (in memory): the one place every executor does it.
    func record(_ stage: Stage, inputs: [String: String], outputs: [String: String], duration: Double) {
        guard let runner = registry.runner(for: stage.kind) else { return }
        var entry = LockEntry(kind: stage.kind.description, codeVersion: runner.codeVersion(for: stage),
                              params: stage.params, inputs: inputs, outputs: outputs, durationSeconds: duration)
        let sources = runner.codeSources(for: stage)
        if !sources.isEmpty { lock.sources[entry.codeVersion] = sources }
        // The same build rebuilt (e.g. a fresh clone regenerating its intermediates) keeps the
        // recorded duration, so the lock file stays byte-identical.
        if let previous = lock.stages[stage.name], previous.sameBuild(as: entry) {
            entry.durationSeconds = previous.durationSeconds
        }
        lock.stages[stage.name] = entry
    }

    /// Drops lock entries of stages no longer declared (expansions of declared stages are kept:
    /// an override may have narrowed a sweep for one run). Returns whether any was dropped.
    func dropUndeclaredLockEntries() -> Bool {
        let declaredBases = Set(pipeline.stages.map(\.baseName))
        var dropped = false
        for name in lock.stages.keys where !declaredBases.contains(String(name.split(separator: "@", maxSplits: 1)[0])) {
            lock.stages.removeValue(forKey: name)
            dropped = true
        }
        return dropped
    }

    /// The last line of a stage's progress file: `0.42 message` or `42% message`.
    static func readProgressFile(_ path: String) -> (Double?, String?)? {
        guard let bytes = try? AtomicFileIO.readIfExists(path), !bytes.isEmpty else { return nil }
        guard let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").last else { return nil }
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let first = parts.first else { return nil }
        let message = parts.count > 1 ? parts[1] : nil
        if first.hasSuffix("%"), let percent = Double(first.dropLast()) { return (percent / 100, message) }
        if let fraction = Double(first) { return (fraction, message) }
        return (nil, String(line))
    }

    /// A killed make leaves the temporary outputs of the stages it was running, and its stages'
    /// own temporaries of dead processes beside them (`.NAME.tmp-PID`). Each make's temporaries
    /// carry its process id (`OutputTemporaries`), so those of makes no longer running are
    /// stale, whether or not their stage runs again; a live make's are left alone. A make killed
    /// while writing the lock file or its state leaves `.p.lock.tmp-PID` beside the pipeline and
    /// temporaries in the state folders: those are swept too.
    func removeStaleTemporaries() {
        // The state folders: the project's (caches, snapshot) and the pipeline's own `artifacts:`.
        let stateFolders = Set(["artifacts", pipeline.artifacts].map { project.stateFolder(artifacts: $0) })
        for swept in [folder(of: project.lockPath)] + stateFolders.sorted() { AtomicFileIO.removeStaleTemporaries(in: swept) }
        var folders = [String: Set<String>]()
        for stage in pipeline.stages {
            for output in stage.outputs {
                let final = project.absolute(output.path)
                guard let slash = final.lastIndex(of: "/") else { continue }
                folders[String(final[..<slash]), default: []].insert(String(final[final.index(after: slash)...]))
            }
        }
        for (folder, outputs) in folders.sorted(by: { $0.key < $1.key }) { OutputTemporaries.removeStale(in: folder, outputs: outputs) }
    }

    /// Whether the lock records that this pipeline built `output` of `stage`: then what is there
    /// is the pipeline's, marked or not (a build from before folder markers left it unmarked).
    func recordedBuild(of output: StageOutput, in stage: Stage) -> Bool {
        lock.stages[stage.name]?.outputs[output.path] != nil
    }

    /// Refuses, before a stage runs, to replace a folder at one of its outputs that holds files
    /// Rederive did not make, unless the lock records that this pipeline built it: a first
    /// `make` of `outputs: [data/]` must not delete the user's `data/raw.csv`.
    func refuseForeignOutputFolders(_ stage: Stage) throws(PipelineError) {
        guard let (output, problem) = foreignOutputFolder(of: stage) else { return }
        throw PipelineError(.invalidPath, at: output.location, "output \(output.path)/ of stage '\(stage.name)' \(problem)",
                            hint: "move them away or give the stage another output folder, then run make again; nothing was changed")
    }

    /// The first output of `stage` that `refuseForeignOutputFolders` refuses, and why.
    func foreignOutputFolder(of stage: Stage) -> (StageOutput, String)? {
        for output in stage.outputs where !recordedBuild(of: output, in: stage) {
            let final = project.absolute(output.path)
            guard output.isDirectory || AtomicFileIO.isDirectory(final) else { continue }
            switch OwnedFolder.state(of: final) {
            case .absent, .empty, .ours: continue
            case .file: return (output, "is a file, which its first build would replace with a folder")
            case .notOurs(let sample):
                return (output, "already holds files Rederive did not make (" + sample.joined(separator: ", ")
                        + (sample.count == 3 ? ", ..." : "") + "), which its first build would replace")
            }
        }
        return nil
    }

    /// This make's temporary paths next to each output (same folder, so the final rename is
    /// atomic), removed first should an earlier run of this stage have left them; folder
    /// outputs get an empty temporary folder.
    func prepareOutputs(_ stage: Stage) throws(PipelineError) -> [StageOutputSlot] {
        var slots = [StageOutputSlot]()
        for output in stage.outputs {
            let final = project.absolute(output.path)
            let parent = folder(of: final)
            let temporary = OutputTemporaries.temporaryPath(for: final)
            try AtomicFileIO.makeFolders(parent)
            AtomicFileIO.remove(temporary)
            if output.isDirectory { try AtomicFileIO.makeFolders(temporary) }
            slots.append(StageOutputSlot(name: output.name, path: final, temporaryPath: temporary, isDirectory: output.isDirectory))
        }
        return slots
    }

    /// The stage's own log, whichever executor runs it.
    func logPath(_ stage: Stage) -> String { project.logPath(ofStage: stage.name, artifacts: pipeline.artifacts) }

    /// The hashes of outputs a job put in place itself (a cluster job's `run-stage`).
    func hashOutputsInPlace(_ stage: Stage) throws(PipelineError) -> [String: String] {
        var outputs = [String: String]()
        for output in stage.outputs {
            hasher.forget(output.path)
            guard let sha = try hasher.hash(output.path) else {
                throw PipelineError(.io, at: output.location, "the job completed but \(output.path) does not exist",
                                    hint: "is the project folder shared with the compute nodes at the same path?")
            }
            outputs[output.path] = sha
        }
        return outputs
    }

    /// The hashes of the stage's inputs as they are now (missing ones left out).
    func hashInputs(_ stage: Stage) throws(PipelineError) -> [String: String] {
        var inputs = [String: String]()
        for input in stage.inputs { if let sha = try hasher.hash(input.path) { inputs[input.path] = sha } }
        return inputs
    }

    /// Renames each temporary output into place and hashes it.
    func commitOutputs(_ stage: Stage, slots: [StageOutputSlot]) throws(PipelineError) -> [String: String] {
        for (slot, output) in zip(slots, stage.outputs) where !AtomicFileIO.exists(slot.temporaryPath) {
            throw PipelineError(.io, at: output.location, "stage finished but did not write output \(output.path)",
                                hint: "a stage writes each output at its temporary path ($OUT_... for cmd stages); the engine moves it into place")
        }
        var hashes = [String: String]()
        for (slot, output) in zip(slots, stage.outputs) {
            if slot.isDirectory || AtomicFileIO.isDirectory(slot.path) {
                try AtomicFileIO.commitFolder(slot.temporaryPath, to: slot.path, replacingUnmarked: recordedBuild(of: output, in: stage))
            } else if rename(slot.temporaryPath, slot.path) != 0 {
                throw PipelineError(.io, at: nil, "cannot move \(slot.temporaryPath) to \(slot.path): \(String(cString: strerror(errno)))")
            }
            hasher.forget(output.path)
            hashes[output.path] = try hasher.hash(output.path) ?? ""
        }
        return hashes
    }
}
