#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The formats `make --emit` writes.
public enum ClusterFormat: String, Sendable, CaseIterable {
    case slurm, k8s
}

extension PipelineCommands {
    /// `rederive make --emit slurm|k8s DIR`: writes the jobs that `make` would run, without
    /// submitting them, for clusters where people submit by hand: one sbatch script (or
    /// Kubernetes Indexed Job manifest) per stage and a script that submits them in dependency
    /// order (`submit.sh`, `apply.sh`). The jobs record themselves in the lock file
    /// (`run-stage --record`), since no controller waits for them. Returns the files written.
    public static func emit(_ arguments: [String], format: ClusterFormat, folder: String, options: MakeOptions,
                            slurm: SlurmOptions, kubernetes: KubernetesOptions = KubernetesOptions(), registry: StageRegistry,
                            console: Console = Console(), directory: String? = nil) throws(PipelineError) -> [String] {
        let cwd = directory ?? Project.currentDirectory()
        let (project, targets) = try locate(arguments, registry: registry, directory: cwd)
        var options = options
        options.targets = targets
        let pipeline = try project.load(overrides: options.overrides, registry: registry)
        let scheduler = try Scheduler(project: project, pipeline: pipeline, registry: registry, console: console)
        // As `make` does: a mistake in the pipeline, or an input nothing produces that does not
        // exist, is an error before anything is written.
        let plan = try scheduler.plan(targets: targets, force: options.force, forceUpstream: options.forceUpstream, allReasons: false)
        let missing = try PipelineCheck.missingInputs(pipeline, selected: plan.map(\.stage), hasher: scheduler.hasher)
        if let error = PipelineCheck.combined(missing.map(\.error)) { throw error }
        scheduler.hasher.save()
        let toRun = plan.filter { !$0.reasons.isEmpty }.map(\.stage)
        let upToDate = plan.count - toRun.count
        let executor = SlurmExecutor(project: project, pipeline: pipeline, options: slurm, make: options, console: console)
        let scripts = executor.scripts(for: toRun, recordsLock: true)
        let out = folder.hasPrefix("/") ? folder : cwd + "/" + folder
        try AtomicFileIO.makeFolders(out)
        var written = [String]()
        func write(_ name: String, _ text: String) throws(PipelineError) {
            try AtomicFileIO.write(Array(text.utf8), to: out + "/" + name)
            written.append(out + "/" + name)
        }
        switch format {
        case .slurm:
            var submit = """
            #!/bin/sh
            # Submits pipeline \(project.name)'s out-of-date stages to Slurm in dependency order.
            # Written by `rederive make --emit slurm`; each job records itself in the lock file.
            set -eu
            here=$(cd "$(dirname "$0")" && pwd)
            mkdir -p \(ShellQuote.quote(executor.slurmOutputFolder))

            """
            for (j, script) in scripts.enumerated() {
                try write(script.job.name + ".sh", script.text)
                let dependency = script.job.dependencies.isEmpty ? ""
                    : " --dependency=afterok:" + script.job.dependencies.map { "$j\($0)" }.joined(separator: ":")
                submit += "j\(j)=$(sbatch --parsable\(dependency) \"$here/\(script.job.name).sh\"); j\(j)=${j\(j)%%;*}\n"
                submit += "echo \"\(script.job.name): Slurm job $j\(j)\"\n"
            }
            try write("submit.sh", submit)
        case .k8s:
            let names = scripts.map { KubernetesManifest.resourceName(pipeline: project.name, job: $0.job.name) }
            let relativePipeline = project.pipelineFile.hasPrefix(project.root + "/")
                ? String(project.pipelineFile.dropFirst(project.root.count + 1)) : project.pipelineFile
            var apply = """
            #!/bin/sh
            # Applies pipeline \(project.name)'s Indexed Jobs in dependency order, waiting for each job's
            # dependencies to complete first (Kubernetes has no job dependencies).
            # Written by `rederive make --emit k8s`; each job records itself in the lock file.
            set -eu
            here=$(cd "$(dirname "$0")" && pwd)

            """
            for (j, script) in scripts.enumerated() {
                let manifest = KubernetesManifest(job: script.job, pipelineName: project.name, pipelinePath: relativePipeline,
                                                  overrides: options.overrides.map(\.text),
                                                  dependencyNames: script.job.dependencies.map { names[$0] }, options: kubernetes,
                                                  force: options.force)
                try write(script.job.name + ".yaml", try manifest.yaml())
                for d in script.job.dependencies {
                    apply += "kubectl wait --for=condition=complete --timeout=-1s job/\(names[d])\n"
                }
                apply += "kubectl apply -f \"$here/\(script.job.name).yaml\"\n"
                _ = j
            }
            try write("apply.sh", apply)
        }
        for path in written where path.hasSuffix(".sh") { chmod(path, 0o755) }
        if scripts.isEmpty { console.line("everything up to date (\(upToDate) stages): nothing to emit") }
        for path in written { console.line("wrote \(project.relativeDisplay(path))") }
        return written
    }
}
