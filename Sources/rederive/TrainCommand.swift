import ArgumentParser
import Foundation
import Transformer

/// `rederive train`: train a model from a YAML config into a run folder.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model from a YAML config into a run folder.",
        discussion: """
            Writes OUT/checkpoints/step-NNNNNN.safetensors (+ .optimizer.safetensors), \
            OUT/model.safetensors (the latest) and OUT/log.csv. Ctrl-C stops at the next step with a \
            checkpoint; --resume continues from the latest one and ends byte-identical to an \
            uninterrupted run with the same thread count. A folder that already holds a run is refused \
            unless --resume or --overwrite is given.

            Examples:
              rederive train --config Configs/tiny.yaml --out runs/tiny
              rederive train --config Configs/tiny.yaml --out runs/tiny --steps 60 --resume
            """)

    @Option(help: "The run's YAML config: every key, its meaning and default are in docs/training-config.md.")
    var config: String
    @Option(help: "The run folder.")
    var out: String
    @Option(help: "Override the config's steps.")
    var steps: Int?
    @Option(help: "Override the config's seed.")
    var seed: UInt64?
    @OptionGroup var threading: ThreadOptions
    @Flag(help: "Continue from the run folder's latest valid checkpoint.")
    var resume = false
    @Flag(help: "Replace the run already in the folder (kept in OUT/previous-run/ until the new run's first checkpoint).")
    var overwrite = false
    @Flag(help: "Leave log.csv's tokens_per_s empty, so that identical runs give identical run folders.")
    var deterministicLog = false
    @Option(help: ArgumentHelp("Keep a diverged run's last good checkpoint and its diverged state here (a pipeline's train stage).",
                               visibility: .hidden))
    var postMortem: String?
    @Option(help: ArgumentHelp("How messages name the config (a pipeline's train stage: its config and params, not the merged copy).",
                               visibility: .hidden))
    var configSource: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if resume && overwrite { throw ValidationError("--resume continues the run in --out and --overwrite replaces it; give one of them") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    /// The typed job these flags describe (what a pipeline's train stage builds).
    var job: TrainingJob {
        var job = TrainingJob(config: config, out: out, threads: threading.threads)
        job.steps = steps
        job.seed = seed
        job.resume = resume
        job.overwrite = overwrite
        job.deterministicLog = deterministicLog
        job.postMortem = postMortem
        job.configSource = configSource
        return job
    }

    /// `job` as this command's arguments, read back by the flags above: the one spelling of
    /// them that a train stage's child process gets (RederiveTests parses every field back).
    static func arguments(for job: TrainingJob) -> [String] {
        var arguments = ["train", "--config", job.config, "--out", job.out, "--threads", String(job.threads)]
        if let steps = job.steps { arguments += ["--steps", String(steps)] }
        if let seed = job.seed { arguments += ["--seed", String(seed)] }
        if job.resume { arguments.append("--resume") }
        if job.overwrite { arguments.append("--overwrite") }
        if job.deterministicLog { arguments.append("--deterministic-log") }
        if let postMortem = job.postMortem { arguments += ["--post-mortem", postMortem] }
        if let configSource = job.configSource { arguments += ["--config-source", configSource] }
        return arguments
    }

    func run() throws {
        let job = self.job
        try reportingErrors(status: Self.status) {
            var (trainingConfig, given) = try ConfigLoader.loadNotingDefaults(yamlFile: job.config)
            if let steps = job.steps { trainingConfig.steps = steps; given.insert("steps") }
            if let seed = job.seed { trainingConfig.seed = seed; given.insert("seed") }
            let echo = ConfigEcho(trainingConfig, given: given, source: job.configSource ?? job.config)
            echo.info.forEach(output.note)
            for line in echo.warnings { FileHandle.standardError.write(Data("warning: \(line)\n".utf8)) }
            InterruptFlag.install()
            let trainer = Trainer(config: trainingConfig, folder: job.out, threads: job.threads, progress: output.progress)
            trainer.recordsThroughput = !job.deterministicLog
            trainer.postMortemFolder = job.postMortem
            trainer.resumeCommand = resumeCommand
            let summary = try trainer.run(resume: job.resume, overwrite: job.overwrite)
            trainer.progress.message(String(format: "trained %d steps in %.1fs: loss %.4f, eval loss %.4f -> %@",
                                            summary.step, summary.seconds, Double(summary.loss), Double(summary.evalLoss),
                                            RunFolder(job.out).modelPath))
            output.emit(JSONOutput([
                "step": .int(summary.step), "seconds": JSONOutput.number(summary.seconds, digits: 3),
                "loss": JSONOutput.number(summary.loss), "eval_loss": JSONOutput.number(summary.evalLoss),
                "model": .string(RunFolder(job.out).modelPath),
            ]))
        }
    }

    /// 130 for a run stopped by Ctrl-C, as a shell reports SIGINT.
    static func status(_ error: Error) -> Int32? {
        guard case .interrupted? = error as? TrainingError else { return nil }
        return 130
    }

    /// This command again, with --resume: what an interrupted run says to type.
    var resumeCommand: String {
        var command = "rederive train --config \(config) --out \(out)"
        if let steps { command += " --steps \(steps)" }
        if let seed { command += " --seed \(seed)" }
        return command + " --threads \(threading.threads) --resume"
    }
}
