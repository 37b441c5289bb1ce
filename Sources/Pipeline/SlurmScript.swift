import Foundation

/// One batch job: the out-of-date expansions of one declared stage. A stage with a matrix becomes
/// a job array whose `SLURM_ARRAY_TASK_ID` (or Kubernetes' `JOB_COMPLETION_INDEX`) picks the
/// expansion; a plain stage is a single job.
public struct ClusterJob: Sendable, Equatable {
    /// A name unique in the plan: the base name, with `.2`, `.3` when a base needs several jobs.
    public var name: String
    public var baseName: String
    /// Indices into `Pipeline.stages`, in array-index order.
    public var stages: [Int]
    public var stageNames: [String]
    public var isArray: Bool
    /// Indices into the plan's jobs that must succeed first (`afterok`); always smaller than this
    /// job's own index, so submitting in order works.
    public var dependencies: [Int]
    public var resources: StageResources
}

/// Groups the stages to run into cluster jobs.
public enum ClusterPlan {
    /// `toRun` in pipeline (topological) order. An expansion joins the latest job of its base
    /// only when everything it depends on is in an earlier job; otherwise it starts a new job
    /// (rare: an expansion reading another expansion of the same stage).
    public static func jobs(_ toRun: [Int], in pipeline: Pipeline, defaults: StageResources = .defaults) -> [ClusterJob] {
        var jobs = [ClusterJob]()
        var jobOfStage = [Int: Int]()
        var latestJobOfBase = [String: Int]()
        var countOfBase = [String: Int]()
        for i in toRun {
            let stage = pipeline.stages[i]
            let dependencyJobs = Set(stage.dependencies.compactMap { jobOfStage[$0] })
            if let j = latestJobOfBase[stage.baseName], jobs[j].isArray, dependencyJobs.allSatisfy({ $0 < j }) {
                jobs[j].stages.append(i)
                jobs[j].stageNames.append(stage.name)
                jobs[j].dependencies = Array(Set(jobs[j].dependencies).union(dependencyJobs)).sorted()
                jobOfStage[i] = j
                continue
            }
            let n = countOfBase[stage.baseName, default: 0] + 1
            countOfBase[stage.baseName] = n
            latestJobOfBase[stage.baseName] = jobs.count
            jobOfStage[i] = jobs.count
            jobs.append(ClusterJob(name: n == 1 ? stage.baseName : "\(stage.baseName).\(n)", baseName: stage.baseName,
                                   stages: [i], stageNames: [stage.name], isArray: !stage.matrix.isEmpty,
                                   dependencies: dependencyJobs.sorted(),
                                   resources: stage.resources.merged(over: defaults)))
        }
        return jobs
    }
}

/// The sbatch script of one `ClusterJob`: `#SBATCH` lines for the resources, the log path, and
/// one `rederive run-stage` call. Dependencies are given to `sbatch` on its command line, since
/// job ids are known only at submission.
public struct SlurmScript: Sendable {
    public var job: ClusterJob
    public var pipelineName: String
    /// Absolute paths, valid on every node (a shared filesystem).
    public var executable: String
    public var pipelineFile: String
    public var root: String
    /// Where Slurm writes the job's own stdout and stderr.
    public var outputFolder: String
    /// `-S key=value` overrides, passed through so the job expands the same pipeline.
    public var overrides: [String]
    /// Passed as `--record` to run-stage: the job writes its own lock entry (for scripts
    /// submitted by hand, with no controller waiting).
    public var recordsLock = false
    /// Passed as `--force` to run-stage: run even if the stage turns out up to date on the node.
    public var force = false

    public init(job: ClusterJob, pipelineName: String, executable: String, pipelineFile: String, root: String,
                outputFolder: String, overrides: [String], recordsLock: Bool = false, force: Bool = false) {
        self.job = job
        self.pipelineName = pipelineName
        self.executable = executable
        self.pipelineFile = pipelineFile
        self.root = root
        self.outputFolder = outputFolder
        self.overrides = overrides
        self.recordsLock = recordsLock
        self.force = force
    }

    /// `0-N%K`: every expansion, at most K (`parallel:`, else all) at once.
    public var arraySpec: String? {
        guard job.isArray else { return nil }
        let limit = min(job.resources.parallel ?? job.stages.count, job.stages.count)
        return "0-\(job.stages.count - 1)%\(limit)"
    }

    /// Slurm's output file pattern for this job (`%A_%a` for arrays, `%j` otherwise).
    public var outputPattern: String {
        outputFolder + "/" + job.name + (job.isArray ? "-%A_%a.out" : "-%j.out")
    }

    /// The log Slurm writes for one task, once the job id is known.
    public func outputPath(jobId: String, task: Int?) -> String {
        outputFolder + "/" + job.name + (job.isArray ? "-\(jobId)_\(task ?? 0).out" : "-\(jobId).out")
    }

    /// The `rederive run-stage` arguments after the executable.
    public func runStageArguments(indexVariable: String?) -> [String] {
        var arguments = ["run-stage", pipelineFile]
        for text in overrides { arguments += ["-S", text] }
        if recordsLock { arguments.append("--record") }
        if force { arguments.append("--force") }
        if job.isArray, let indexVariable { arguments += ["--index-env", indexVariable] }
        return arguments + ["--"] + job.stageNames
    }

    public var text: String {
        var lines = ["#!/bin/bash",
                     "# rederive: pipeline \(pipelineName), stage \(job.baseName): \(job.stages.count) expansion(s).",
                     "# Written by rederive make; one rederive run-stage per task."]
        lines.append("#SBATCH --job-name=" + ShellQuote.sbatchValue("rederive-\(pipelineName)-\(job.name)"))
        if let arraySpec { lines.append("#SBATCH --array=\(arraySpec)") }
        if let cpus = job.resources.cpus { lines.append("#SBATCH --cpus-per-task=\(cpus)") }
        if let memory = job.resources.memory { lines.append("#SBATCH --mem=\(memory)") }
        if let time = job.resources.time { lines.append("#SBATCH --time=\(time)") }
        if let partition = job.resources.partition { lines.append("#SBATCH --partition=\(partition)") }
        lines.append("#SBATCH --output=" + ShellQuote.sbatchValue(outputPattern))
        lines.append("#SBATCH --chdir=" + ShellQuote.sbatchValue(root))
        lines.append("#SBATCH --kill-on-invalid-dep=yes")
        lines.append("set -eu")
        let command = ([executable] + runStageArguments(indexVariable: "SLURM_ARRAY_TASK_ID")).map(ShellQuote.quote)
        lines.append("exec " + command.joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Quoting for generated shell scripts.
public enum ShellQuote {
    /// `'text'`, with embedded single quotes as `'\''`; plain words stay bare for readability.
    public static func quote(_ text: String) -> String {
        let safe = !text.isEmpty && text.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || "-_./=:@,%+".utf8.contains(c)
        }
        if safe { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `#SBATCH` lines are not run by a shell: sbatch splits them on spaces and honours double quotes.
    static func sbatchValue(_ text: String) -> String {
        text.contains(" ") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : text
    }
}
