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
            """)

    @Option(help: "The run's YAML config: every key, its meaning and default are in docs/training-config.md.")
    var config: String
    @Option(help: "The run folder.")
    var out: String
    @Option(help: "Override the config's steps.")
    var steps: Int?
    @Option(help: "Override the config's seed.")
    var seed: UInt64?
    @Option(help: "Threads. Checkpoints are byte-identical at any count.")
    var threads: Int = 2
    @Flag(help: "Continue from the run folder's latest valid checkpoint.")
    var resume = false
    @Flag(help: "Replace the run already in the folder (kept in OUT/previous-run/ until the new run's first checkpoint).")
    var overwrite = false
    @Flag(help: "Leave log.csv's tokens_per_s empty, so that identical runs give identical run folders.")
    var deterministicLog = false

    func validate() throws {
        if resume && overwrite { throw ValidationError("--resume continues the run in --out and --overwrite replaces it; give one of them") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
    }

    func run() throws {
        var (trainingConfig, given): (TrainingConfig, Set<String>)
        do { (trainingConfig, given) = try ConfigLoader.loadNotingDefaults(yamlFile: config) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if let steps { trainingConfig.steps = steps; given.insert("steps") }
        if let seed { trainingConfig.seed = seed; given.insert("seed") }
        let echo = ConfigEcho(trainingConfig, given: given, source: config)
        for line in echo.info { FileHandle.standardError.write(Data("\(line)\n".utf8)) }
        for line in echo.warnings { FileHandle.standardError.write(Data("warning: \(line)\n".utf8)) }
        InterruptFlag.install()
        let trainer = Trainer(config: trainingConfig, folder: out, threads: threads)
        trainer.recordsThroughput = !deterministicLog
        var command = "rederive train --config \(config) --out \(out)"
        if let steps { command += " --steps \(steps)" }
        if let seed { command += " --seed \(seed)" }
        trainer.resumeCommand = command + " --threads \(threads) --resume"
        do {
            let summary = try trainer.run(resume: resume, overwrite: overwrite)
            trainer.progress.message(String(format: "trained %d steps in %.1fs: loss %.4f, eval loss %.4f -> %@",
                                            summary.step, summary.seconds, Double(summary.loss), Double(summary.evalLoss),
                                            RunFolder(out).modelPath))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            if case .interrupted = error { throw ExitCode(130) }
            throw ExitCode.failure
        }
    }
}
