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
            uninterrupted run with the same thread count.
            """)

    @Option(help: "The run's YAML config (keys as shared/reference/torch_model.py).")
    var config: String
    @Option(help: "The run folder.")
    var out: String
    @Option(help: "Override the config's steps.")
    var steps: Int?
    @Option(help: "Override the config's seed.")
    var seed: UInt64?
    @Option(help: "Threads. Checkpoints are byte-identical at any count.")
    var threads: Int = 2
    @Flag(help: "Continue from the run folder's latest checkpoint.")
    var resume = false
    @Flag(help: "Leave log.csv's tokens_per_s empty, so that identical runs give identical run folders.")
    var deterministicLog = false

    func run() throws {
        var trainingConfig = try ConfigLoader.load(yamlFile: config)
        if let steps { trainingConfig.steps = steps }
        if let seed { trainingConfig.seed = seed }
        InterruptFlag.install()
        let trainer = Trainer(config: trainingConfig, folder: out, threads: threads)
        trainer.recordsThroughput = !deterministicLog
        var command = "rederive train --config \(config) --out \(out)"
        if let steps { command += " --steps \(steps)" }
        if let seed { command += " --seed \(seed)" }
        trainer.resumeCommand = command + " --threads \(threads) --resume"
        do {
            let summary = try trainer.run(resume: resume)
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
