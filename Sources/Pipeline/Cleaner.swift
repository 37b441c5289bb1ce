#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles

/// What `rederive clean` removes: only what a recorded build wrote, as git's clean never
/// touches what it does not track.
///
/// - An output goes only when the lock records that its stage built it and it still holds what
///   that build wrote (same content hash). A declared output that was never built (a user's
///   `artifacts/mine/` that a stage would write) stays, and so does one edited since; each is
///   named with the reason.
/// - Temporaries of makes no longer running, beside each output (Rederive's own names).
/// - In the log folder, each stage's `NAME.log` and its progress file, and Slurm's `*.out`
///   files; the folder itself only if that leaves it empty. Any other file there stays.
/// - The pipeline's hash cache, no-op snapshot and parsed-pipeline cache.
struct Cleaner {
    let project: Project
    let pipeline: Pipeline
    let lock: LockFile
    let hasher: FileHasher

    /// Paths to remove, and paths kept with the reason.
    struct Plan {
        var remove = [String]()
        var kept = [(path: String, reason: String)]()
    }

    func plan(stages selected: [Int], includeCommitted: Bool, wholePipeline: Bool) -> Plan {
        var plan = Plan()
        var artifactsPrefix = pipeline.artifacts
        while artifactsPrefix.hasSuffix("/") { artifactsPrefix.removeLast() }
        let logFolder = project.logFolder(artifacts: pipeline.artifacts)
        for i in selected {
            let stage = pipeline.stages[i]
            for output in stage.outputs where output.path.hasPrefix(artifactsPrefix + "/") || includeCommitted {
                let full = project.absolute(output.path)
                plan.remove += OutputTemporaries.stale(for: full).filter(AtomicFileIO.exists)
                guard AtomicFileIO.exists(full) || isSymlink(full) else { continue }
                if let reason = reasonToKeep(output, of: stage) {
                    plan.kept.append((full, reason))
                } else {
                    plan.remove.append(full)
                }
            }
            let log = project.logPath(ofStage: stage.name, artifacts: pipeline.artifacts)
            for log in [log, log + ".progress"] where AtomicFileIO.exists(log) {
                plan.remove.append(log)
            }
        }
        if wholePipeline {
            let slurm = logFolder + "/slurm"
            plan.remove += AtomicFile.entries(of: slurm).filter { $0.hasSuffix(".out") && !$0.hasPrefix(".") }.sorted().map { slurm + "/" + $0 }
            let state = project.stateFolder(artifacts: pipeline.artifacts)
            let caches = [state + "/\(project.name).hashes", NoOpSnapshot.path(project), PipelineCache.path(project)]
            plan.remove += caches.filter(AtomicFileIO.exists)
        }
        return plan
    }

    /// Why `output` is not Rederive's to remove, or nil when it is.
    private func reasonToKeep(_ output: StageOutput, of stage: Stage) -> String? {
        guard let recorded = lock.stages[stage.name]?.outputs[output.path] else {
            return "no build of stage '\(stage.name)' is recorded in \(project.relativeDisplay(project.lockPath)); it is not Rederive's to remove"
        }
        // The hash cache answers for files whose stat is unchanged, so a clean of large outputs
        // reads only what changed since it was hashed.
        guard let current = try? hasher.hash(output.path) else {
            return "it cannot be read to compare it with what stage '\(stage.name)' wrote"
        }
        if current != recorded {
            return "it changed since stage '\(stage.name)' built it; remove it yourself if you no longer need it"
        }
        return nil
    }

    /// Removes the plan's paths, then the log folders it emptied.
    func apply(_ plan: Plan) {
        for path in plan.remove { AtomicFileIO.remove(path) }
        let logFolder = project.logFolder(artifacts: pipeline.artifacts)
        // rmdir removes only empty folders: a user's file in either keeps it.
        rmdir(logFolder + "/slurm")
        rmdir(logFolder)
    }

    private func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }
}
