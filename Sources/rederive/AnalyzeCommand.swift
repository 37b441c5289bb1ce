import ArgumentParser
import Analysis
import Foundation
import Tensor
import Transformer

/// `rederive analyze`: every quantity the figures need, from a run folder or a checkpoint.
struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse a run folder or a checkpoint into .npy arrays and summary.json.",
        discussion: """
            Uses a fixed evaluation batch (written as tokens.npy). For a run folder, the final \
            model is analysed in full and every checkpoint's scalar metrics go to training.json.

            Examples:
              rederive analyze runs/tiny --out tiny-analysis
              rederive analyze runs/tiny/model.safetensors --out tiny-final --sequences 64
            """)

    @Argument(help: "A run folder written by `rederive train`, a checkpoint .safetensors, or a TransformerLens state dict saved as safetensors.")
    var source: String
    @Option(help: "The output folder: new, empty, or one this command wrote before (replaced whole).")
    var out: String
    @Flag(help: "Use --out even if it holds other files: they are kept aside as OUT.kept-N, never deleted.")
    var force = false
    @OptionGroup var model: ModelSourceOptions
    @OptionGroup var threading: ThreadOptions
    @OptionGroup var output: OutputOptions

    /// The typed job these flags describe (what a pipeline's analyze stage builds).
    var job: AnalysisJob {
        var job = AnalysisJob(source: source, out: out, threads: threading.threads)
        job.force = force
        return job
    }

    /// `job` as this command's arguments, read back by the flags above: the one spelling of
    /// them that an analyze stage's child process gets (RederiveTests parses every field back).
    static func arguments(for job: AnalysisJob) -> [String] {
        ["analyze", job.source, "--out", job.out, "--threads", String(job.threads)] + (job.force ? ["--force"] : [])
    }

    func run() throws {
        let job = self.job
        threading.apply()
        var settings = AnalysisSettings()
        model.apply(to: &settings)
        let progress = output.progress
        try reportingErrors {
            let summary = try RunAnalysis.run(job.source, into: job.out, settings: settings, force: job.force) { progress.message($0) }
            progress.message(String(format: "analysed step %d: eval loss %.4f -> %@/%@", summary.step, summary.loss, job.out, AnalysisFolder.summaryFile))
            output.emit(JSONOutput(["step": .int(summary.step), "eval_loss": JSONOutput.number(summary.loss),
                                    "uniform_loss": JSONOutput.number(summary.uniformLoss), "summary": .string(job.out + "/" + AnalysisFolder.summaryFile)]))
        }
    }
}

/// `rederive bench analyze`: the time to analyse one study checkpoint.
struct BenchAnalyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Time the full analysis of one study checkpoint (a fresh model unless one is given).")

    @Argument(help: "A checkpoint to analyse; by default a freshly initialised study model.")
    var checkpoint: String?
    @Option(help: "Timed repetitions.")
    var repeats: Int = 3
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        let threads = threading.apply()
        let folder = NSTemporaryDirectory() + "rederive-bench-analyze-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = checkpoint ?? folder + "/study.safetensors"
        if checkpoint == nil {
            try Checkpoint(model: Model(config: .study, seed: 0), config: .study, step: 0, loss: .nan, optimizerFile: nil)
                .write(to: path)
        }
        var times = [Double]()
        for _ in 0..<max(repeats, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            try CheckpointAnalysis(checkpointPath: path).write(to: folder + "/out")
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let median = times.sorted()[times.count / 2]
        print(JSONOutput(["analyze_ms_median": JSONOutput.number(median, digits: 1),
                          "analyze_ms_min": JSONOutput.number(times.min() ?? median, digits: 1),
                          "repeats": .int(times.count), "threads": .int(threads)]).text)
    }
}
