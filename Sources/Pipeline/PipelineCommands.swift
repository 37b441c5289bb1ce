import Foundation
import JSONQuoting

/// The library side of `rederive make | status | dag | clean`: each CLI subcommand parses its
/// options and calls one function here, which prints through a `Console` and returns the exit
/// code.
public enum PipelineCommands {
    /// Splits `[PIPELINE] [TARGETS...]`: the first argument is the pipeline if it names a file
    /// or `Pipelines/<name>.yaml`; otherwise all arguments are targets of the default pipeline
    /// (the only one, else `registry.defaultPipeline`).
    public static func locate(_ arguments: [String], registry: StageRegistry, directory: String? = nil) throws(PipelineError) -> (Project, [String]) {
        let cwd = directory ?? Project.currentDirectory()
        if let first = arguments.first, let project = try Project.locate(first, from: cwd) {
            return (project, Array(arguments.dropFirst()))
        }
        guard let project = try Project.locate(nil, from: cwd, preferred: registry.defaultPipeline) else {
            throw PipelineError(.noPipeline, at: nil, "no pipeline found")
        }
        return (project, arguments)
    }

    /// `rederive make`: returns the result; prints progress and a summary.
    public static func make(_ arguments: [String], options: MakeOptions, registry: StageRegistry,
                            console: Console = Console(), directory: String? = nil) throws(PipelineError) -> MakeResult {
        var (project, targets) = try locate(arguments, registry: registry, directory: directory)
        project.inputRedirects = options.inputRedirects
        var options = options
        options.targets = targets
        let bytes = try project.readPipelineBytes()
        let snapshotPath = NoOpSnapshot.path(project)
        PhaseTimer.shared.mark("locate, read YAML")

        // Fast path: nothing changed since a make found everything up to date.
        // The lock is taken once, before the fast path, and held to the end. It lives in the
        // project's state folder, which must not lead out of the project.
        try ProjectBoundary.requireInside(project.stateFolder(artifacts: "artifacts"), project: project, what: "the state folder")
        let defaultLock = options.dryRun ? nil : try takeLock(project, folder: project.stateFolder(artifacts: "artifacts"), options, console)
        if !options.force {
            if let count = NoOpSnapshot.validate(path: snapshotPath, pipelineBytes: bytes, lockPath: project.lockPath,
                                                 overrides: options.overrides, targets: targets) {
                var result = MakeResult()
                result.noOpStageCount = count
                PhaseTimer.shared.mark("no-op snapshot valid")
                printSummary(result, project: project, options: options, console: console)
                withExtendedLifetime(defaultLock) {}
                PhaseTimer.shared.report()
                return result
            }
            PhaseTimer.shared.mark("no-op snapshot invalid")
        }

        let pipeline = try project.load(bytes: bytes, overrides: options.overrides, registry: registry)
        let otherLock = options.dryRun || pipeline.artifacts == "artifacts" ? nil
            : try takeLock(project, folder: project.stateFolder(artifacts: pipeline.artifacts), options, console)
        if !options.dryRun { AtomicFileIO.remove(snapshotPath) }
        let scheduler = try Scheduler(project: project, pipeline: pipeline, registry: registry, console: console)
        // Before and after: the stages of a make killed just now may still be dying (their
        // watchdog kills them), so their temporaries are stale only by the end of this one.
        if !options.dryRun { scheduler.files.removeStaleTemporaries(of: pipeline) }
        let result = try scheduler.make(options)
        if !options.dryRun { scheduler.files.removeStaleTemporaries(of: pipeline) }
        if !options.dryRun && !options.force && targets.isEmpty && pipeline.artifacts == "artifacts" && result.ran.isEmpty
            && result.failed.isEmpty && result.blocked.isEmpty && !result.interrupted && !scheduler.hasher.sawRecentChange,
           let lockIdentity = FileIdentity.of(project.lockPath) {
            let snapshot = NoOpSnapshot(pipelineSHA: SHA256.hex(bytes), overridesKey: NoOpSnapshot.overridesKey(options.overrides),
                                        executable: NoOpSnapshot.executableIdentity(), lockFile: lockIdentity,
                                        stageCount: pipeline.stages.count, files: scheduler.hasher.observedFiles,
                                        folders: scheduler.hasher.observedFolders, targets: pipeline.targetNames)
            try? AtomicFileIO.writeCache(Array(snapshot.encoded().utf8), to: snapshotPath)
        }
        withExtendedLifetime((defaultLock, otherLock)) {}
        printSummary(result, project: project, options: options, console: console)
        PhaseTimer.shared.mark("finish")
        PhaseTimer.shared.report()
        return result
    }

    private static func takeLock(_ project: Project, folder: String, _ options: MakeOptions, _ console: Console) throws(PipelineError) -> ProcessLock {
        try ProcessLock(path: folder + "/\(project.name).pid", pipeline: project.name, wait: options.waitForLock) { holder in
            console.error("waiting for another rederive make (pid \(holder)) of pipeline '\(project.name)' to finish...")
        }
    }

    static func printSummary(_ result: MakeResult, project: Project, options: MakeOptions, console: Console) {
        if options.dryRun && result.noOpStageCount == nil && result.failed.isEmpty {
            for (stage, reasons) in result.plan {
                console.line("would run \(stage): \(reasons.map(\.description).joined(separator: "; "))")
            }
            console.line(result.plan.isEmpty ? "everything up to date (\(result.upToDate.count) stages)"
                         : "\(result.plan.count) stage(s) would run, \(result.upToDate.count) up to date")
            return
        }
        for failure in result.failed {
            console.error("error: stage \(failure.stage) failed: \(failure.message)" + (failure.log.map { "\n  log: \(project.relativeDisplay($0))" } ?? ""))
        }
        if !result.blocked.isEmpty {
            let why = result.interrupted ? "interrupted" : result.inputMissing ? "nothing runs while an input is missing" : "a dependency failed"
            console.error("not run (\(why)): \(result.blocked.joined(separator: ", "))")
        }
        if result.interrupted {
            console.error("interrupted: \(result.ran.count) stage(s) finished and are recorded in the lock file; run make again to continue")
        } else if let count = result.noOpStageCount {
            console.line("everything up to date (\(count) stages)")
        } else if result.ran.isEmpty && result.failed.isEmpty {
            console.line("everything up to date (\(result.upToDate.count) stages)")
        } else {
            console.line("\(result.ran.count) ran, \(result.upToDate.count) up to date, \(result.failed.count) failed, \(result.blocked.count) not run")
        }
    }

    /// `rederive status`: what is out of date and why, stage by stage, printed unless the console
    /// is quiet.
    public static func status(_ arguments: [String], overrides: [ParamOverride] = [], showAll: Bool, registry: StageRegistry,
                              console: Console = Console(), directory: String? = nil) throws(PipelineError) -> StatusReport {
        let (project, targets) = try locate(arguments, registry: registry, directory: directory)
        let pipeline = try project.load(overrides: overrides, registry: registry)
        let scheduler = try Scheduler(project: project, pipeline: pipeline, registry: registry, console: console)
        let plan = try scheduler.plan(targets: targets, force: false, allReasons: true)
        let missing = try PipelineCheck.missingInputs(pipeline, selected: plan.map(\.stage), hasher: scheduler.hasher)
        if let error = PipelineCheck.combined(missing.map(\.error)) { throw error }
        let report = StatusReport(pipeline: pipeline.name,
                                  stages: plan.map { (pipeline.stages[$0.stage].name, $0.reasons.map(\.description)) })
        let width = min(48, report.stages.map(\.name.count).max() ?? 0)
        for (name, reasons) in report.stages {
            let padded = name.count < width ? name + String(repeating: " ", count: width - name.count) : name
            if reasons.isEmpty {
                if showAll { console.line("  ok  \(padded)  up to date") }
            } else {
                console.line("  ->  \(padded)  \(reasons.joined(separator: "; "))")
            }
        }
        console.line("pipeline \(pipeline.name): \(report.outOfDate) of \(plan.count) stage(s) out of date")
        return report
    }

    public enum DagFormat: String, Sendable, CaseIterable {
        case text, dot, json, png, pdf
    }

    /// `rederive clean`: removes what recorded builds of the pipeline wrote inside the artifacts
    /// folder (committed outputs such as `Figures/` only with `includeCommitted`), stale
    /// temporaries, its stage logs and its caches: `Cleaner` says exactly what, and keeps
    /// anything else. Each path is listed with its size and the build time of the stage that
    /// wrote it; then `confirm` decides (it is not asked on a dry run or when nothing would go).
    public static func clean(_ arguments: [String], includeCommitted: Bool, dryRun: Bool, registry: StageRegistry,
                             console: Console = Console(), directory: String? = nil,
                             confirm: (CleanSummary) -> Bool = { _ in true }) throws(PipelineError) -> CleanSummary {
        let (project, targets) = try locate(arguments, registry: registry, directory: directory)
        let pipeline = try project.load(registry: registry)
        let state = project.stateFolder(artifacts: pipeline.artifacts)
        let processLock = dryRun ? nil : try ProcessLock(path: state + "/\(project.name).pid", pipeline: project.name, wait: false, command: "clean")
        defer { withExtendedLifetime(processLock) {} }
        let selected = targets.isEmpty ? Array(pipeline.stages.indices) : try pipeline.selection(for: targets)
        let lock = try LockFile.read(project.lockPath, pipeline: project.name)
        let cleaner = Cleaner(project: project, pipeline: pipeline, lock: lock, hasher: FileHasher(project: project, artifacts: pipeline.artifacts))
        let plan = cleaner.plan(stages: selected, includeCommitted: includeCommitted, wholePipeline: targets.isEmpty)
        var summary = CleanSummary(plan: plan, lock: lock, display: project.relativeDisplay)
        for (path, reason) in plan.kept { console.line("kept \(project.relativeDisplay(path)): \(reason)") }
        if plan.remove.isEmpty {
            console.line("nothing to clean")
            return summary
        }
        for line in summary.listing { console.line("would remove " + line) }
        console.line(summary.total)
        guard !dryRun, confirm(summary) else { return summary }
        cleaner.apply(plan)
        summary.applied = true
        console.line("removed \(summary.removed.count) path(s)")
        return summary
    }
}

/// Text and Graphviz renderings of the stage graph.
public enum DagRenderer {
    public static func text(_ pipeline: Pipeline, selected: [Int]) -> String {
        var out = "pipeline \(pipeline.name): \(selected.count) stage(s)\n"
        for i in selected {
            let stage = pipeline.stages[i]
            out += "\(stage.name)  [\(stage.kind)]"
            if !stage.dependencies.isEmpty {
                out += "  <- " + stage.dependencies.map { pipeline.stages[$0].name }.joined(separator: ", ")
            }
            out += "\n"
        }
        return out
    }

    /// One line of JSON: each stage with its kind and the stages it depends on.
    public static func json(_ pipeline: Pipeline, selected: [Int]) -> String {
        ParamValue.map([
            "pipeline": .string(pipeline.name),
            "stages": .list(selected.map { i in
                let stage = pipeline.stages[i]
                return .map(["stage": .string(stage.name), "kind": .string(stage.kind.description),
                             "depends_on": .list(stage.dependencies.map { .string(pipeline.stages[$0].name) })])
            }),
        ]).jsonLine + "\n"
    }

    public static func dot(_ pipeline: Pipeline, selected: [Int]) -> String {
        func quoted(_ s: String) -> String {
            var out = ""
            appendJSONQuoted(s, to: &out)
            return out
        }
        var out = "digraph \(quoted(pipeline.name)) {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"DejaVu Sans\"];\n"
        for i in selected {
            let stage = pipeline.stages[i]
            out += "  \(quoted(stage.name)) [label=\(quoted(stage.name + "\n" + stage.kind.description.prefix(40)))];\n"
        }
        for i in selected {
            for d in pipeline.stages[i].dependencies {
                out += "  \(quoted(pipeline.stages[d].name)) -> \(quoted(pipeline.stages[i].name));\n"
            }
        }
        return out + "}\n"
    }
}

/// What `rederive status` found: every selected stage with why it is out of date (no reasons:
/// up to date).
public struct StatusReport: Sendable {
    public var pipeline: String
    public var stages: [(name: String, reasons: [String])]
    public var outOfDate: Int { stages.filter { !$0.reasons.isEmpty }.count }
}
