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
        /// The stage whose recorded build wrote each removed output.
        var builtBy = [String: String]()
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
                    plan.builtBy[full] = stage.name
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
            let caches = [project.hashCachePath(artifacts: pipeline.artifacts), NoOpSnapshot.path(project), PipelineCache.path(project)]
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

/// What `clean` removes (or would): each path with its size and the recorded build time of the
/// stage that wrote it, so that a user sees what a rebuild would cost before saying yes.
public struct CleanSummary: Sendable {
    /// Absolute paths, in the order they are removed.
    public var removed: [String]
    public var kept: [(path: String, reason: String)]
    /// The bytes under each removed path (a folder: everything in it).
    public var bytes: [Int64]
    /// For each removed path a stage built: that stage and how long its recorded build took.
    public var builds: [(stage: String, seconds: Double)?]
    /// Whether the paths were removed (false on a dry run or when the user said no).
    public var applied = false
    private let displayed: [String]

    init(plan: Cleaner.Plan, lock: LockFile, display: (String) -> String) {
        removed = plan.remove
        kept = plan.kept
        bytes = plan.remove.map(CleanSummary.diskUsage)
        builds = plan.remove.map { path in
            plan.builtBy[path].map { ($0, lock.stages[$0]?.durationSeconds ?? 0) }
        }
        displayed = plan.remove.map(display)
        applied = false
    }

    public var totalBytes: Int64 { bytes.reduce(0, +) }

    /// The seconds the stages whose outputs go took to build, each stage counted once.
    public var rebuildSeconds: Double {
        var seen = [String: Double]()
        for case let build? in builds { seen[build.stage] = build.seconds }
        return seen.values.reduce(0, +)
    }

    /// One line per path: `artifacts/runs/a/  1.2 MB  built by train@seed=0 in 4 min 12 s`.
    public var listing: [String] {
        removed.indices.map { i in
            "\(displayed[i])  \(Self.size(bytes[i]))" + (builds[i].map { "  built by \($0.stage) in \(Self.duration($0.seconds))" } ?? "")
        }
    }

    /// `3 path(s), 12.4 MB; rebuilding them took 4 min 12 s`.
    public var total: String {
        let stages = Set(builds.compactMap { $0?.stage }).count
        return "\(removed.count) path(s), \(Self.size(totalBytes))"
            + (stages == 0 ? "" : "; building them took \(Self.duration(rebuildSeconds)) (\(stages) stage(s), as recorded in the lock file)")
    }

    /// Bytes as `12 B`, `340 kB`, `1.2 MB` (SI units, 3 significant figures at most).
    public static func size(_ bytes: Int64) -> String {
        if bytes < 1000 { return "\(bytes) B" }
        var value = Double(bytes)
        for unit in ["kB", "MB", "GB", "TB"] {
            value /= 1000
            if value < 999.5 || unit == "TB" { return (value < 9.95 ? String(format: "%.1f", value) : String(format: "%.0f", value)) + " " + unit }
        }
        return "\(bytes) B"
    }

    /// Seconds as `0.4 s`, `12 s`, `4 min 12 s`, `1 h 02 min`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 9.95 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h " + String(format: "%02d min", (s % 3600) / 60)
    }

    /// The bytes a file takes, or everything under a folder; symbolic links count as themselves.
    static func diskUsage(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return Int64(info.st_size) }
        return AtomicFile.entries(of: path).reduce(Int64(0)) { $0 + diskUsage(path + "/" + $1) }
    }
}
