import Analysis
import ArgumentParser
import Foundation
import Transformer

/// `rederive patch`: activation patching, as TransformerLens's `transformer_lens.patching`.
struct PatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Activation patching: copy clean activations into a corrupted run and measure how much of the answer returns.",
        discussion: """
            The metric is the mean over the batch of logit[correct] - logit[wrong] at the answer \
            position; each sweep is written raw (NAME.npy) and normalised so that 0 = corrupted \
            and 1 = clean (NAME_normalized.npy), in TransformerLens's shapes, with summary.json. \
            Without --clean/--corrupted/--answers, the model's task makes them: the token the \
            answer recalls (p-1 for previous_token, p-k for k_back:K) is replaced by another, and \
            the three arrays are written into --out.

            Examples:
              rederive patch runs/tiny --out tiny-patching
              rederive patch runs/tiny --out patching --sweeps resid_pre --sequences 16
            """)

    @Argument(help: "A run folder written by `rederive train`, a checkpoint .safetensors, or a TransformerLens state dict saved as safetensors.")
    var source: String
    @Option(help: "Clean tokens (.npy, int64 or int32, [batch, pos]).")
    var clean: String?
    @Option(help: "Corrupted tokens, the same shape as --clean.")
    var corrupted: String?
    @Option(help: "Answers (.npy, int, [batch, 3]): the answer position, the correct token and the wrong token.")
    var answers: String?
    @Option(help: "The output folder: new, empty, or one this command wrote before (replaced whole).")
    var out: String
    @Flag(help: "Use --out even if it holds other files: they are kept aside as OUT.kept-N, never deleted.")
    var force = false
    @Option(help: "Sweeps to run, comma-separated: \(PatchingSweep.allCases.map(\.rawValue).joined(separator: ",")). Default: all the model has.")
    var sweeps: String?
    @OptionGroup var stateDict: StateDictOptions
    @Option(help: "The task, for a state dict without a rederive config: previous_token or k_back:K.")
    var task: String = "previous_token"
    @Option(help: "Without the three files: sequences in the task's batch.")
    var sequences: Int = PatchingJob.defaultSequences
    @Option(help: "Without the three files: the seed of the task's batch.")
    var seed: UInt64 = 0
    @Option(help: "Without the three files: the answer position (default: the middle of the context).")
    var answerPosition: Int?
    @OptionGroup var threading: ThreadOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let given = [clean, corrupted, answers].compactMap { $0 }.count
        if given != 0 && given != 3 { throw ValidationError("give all of --clean, --corrupted and --answers, or none (the task makes them)") }
        if given == 3 && answerPosition != nil { throw ValidationError("--answer-position is for the task's batch; the answers file has its own") }
        if TaskKind(name: task) == nil { throw ValidationError("--task must be previous_token or k_back:K, got '\(task)'") }
        if let sweeps, let unknown = PatchingSweep.parse(sweeps).unknown {
            throw ValidationError("unknown sweep '\(unknown)'; choose from \(PatchingSweep.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if sequences < 1 { throw ValidationError("--sequences must be at least 1, got \(sequences)") }
    }

    /// The typed job these flags describe (what a pipeline's patch stage builds).
    var job: PatchingJob {
        var job = PatchingJob(source: source, out: out, threads: threading.threads)
        job.sequences = sequences
        job.force = force
        return job
    }

    /// `job` as this command's arguments, read back by the flags above: the one spelling of
    /// them that a patch stage's child process gets (RederiveTests parses every field back).
    static func arguments(for job: PatchingJob) -> [String] {
        ["patch", job.source, "--out", job.out, "--threads", String(job.threads), "--sequences", String(job.sequences)]
            + (job.force ? ["--force"] : [])
    }

    func run() throws {
        let job = self.job
        let threads = threading.apply()
        let source: PatchingRun.Source
        if let clean, let corrupted, let answers {
            source = .files(clean: clean, corrupted: corrupted, answers: answers)
        } else {
            source = .task(sequences: job.sequences, seed: seed, position: answerPosition)
        }
        let settings = PatchingRun.Settings(source: source, sweeps: sweeps.map { PatchingSweep.parse($0).sweeps },
                                            checkpoint: stateDict.checkpointOptions(task: TaskKind(name: task) ?? .previousToken),
                                            threads: threads)
        let progress = output.progress
        try reportingErrors {
            let summary = try PatchingRun.run(job.source, into: job.out, settings: settings, force: job.force) { progress.message($0) }
            if let note = summary.note { FileHandle.standardError.write(Data("warning: \(note)\n".utf8)) }
            progress.message(String(format: "clean metric %.4f, corrupted %.4f -> %@/%@",
                                    summary.cleanMetric, summary.corruptedMetric, job.out, AnalysisFolder.summaryFile))
            output.emit(JSONOutput(["clean_metric": JSONOutput.number(summary.cleanMetric),
                                    "corrupted_metric": JSONOutput.number(summary.corruptedMetric),
                                    "summary": .string(job.out + "/" + AnalysisFolder.summaryFile)]))
        }
    }
}
