import Analysis
import ArgumentParser
import Foundation
import Tensor
import Transformer

/// `rederive bench patch`: the layer/position/head patching sweeps on the study model, beside
/// TransformerLens's own functions on the same model and tokens, in one sitting.
struct BenchPatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Time activation patching on the study model beside TransformerLens's transformer_lens.patching (goal: 10× faster).",
        discussion: """
            Writes the model and the task's clean/corrupted batch into a temporary folder, times \
            each sweep here (median of --repeats), then runs --script with --python, which times \
            TransformerLens's get_act_patch_* on the same files in its own process. Prints one \
            JSON line per sweep and a total.
            """)

    @Argument(help: "A checkpoint to patch; by default a freshly initialised study model.")
    var checkpoint: String?
    @Option(help: "Sequences in the batch.")
    var sequences: Int = 64
    @Option(help: "Sweeps, comma-separated.")
    var sweeps = "resid_pre,attn_out,mlp_out,attn_head_out_by_pos"
    @Option(help: "Timed repetitions.")
    var repeats: Int = 3
    @OptionGroup var threading: ThreadOptions
    @Option(help: "A Python with transformer_lens 3.9.0 (empty: time Rederive alone).")
    var python = "/work/tl-venv/bin/python"
    @Option(help: "The TransformerLens side of the benchmark.")
    var script = "Tests/Fixtures/TransformerLens/bench_patching.py"

    func run() throws {
        let threads = threading.apply()
        let parsed = PatchingSweep.parse(sweeps)
        if let unknown = parsed.unknown { throw ValidationError("unknown sweep '\(unknown)'") }
        let folder = NSTemporaryDirectory() + "rederive-bench-patch-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let loaded = try checkpoint.map { try Checkpoint.load($0) }
        let model = loaded?.model ?? Model(config: .study, seed: 0)
        let inputs = try PatchingInputs.taskCorruption(loaded?.config.task ?? .previousToken, model: model.config,
                                                       sequences: sequences, seed: 0)
        try write(model, inputs, into: folder)

        let patching = ActivationPatching(model: model, inputs: inputs)
        var ours = [String: Double]()
        for sweep in parsed.sweeps {
            var times = [Double]()
            for _ in 0..<max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try patching.run([sweep], threads: threads)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            ours[sweep.rawValue] = times.sorted()[times.count / 2]
        }
        let theirs = python.isEmpty ? [:] : try transformerLens(folder, sweeps: parsed.sweeps)
        for sweep in parsed.sweeps.map(\.rawValue) {
            let mine = ours[sweep] ?? 0
            print(JSONOutput(["sweep": .string(sweep), "rederive_s": JSONOutput.number(mine, digits: 4),
                              "transformer_lens_s": theirs[sweep].map { JSONOutput.number($0, digits: 4) } ?? .null,
                              "ratio": theirs[sweep].map { JSONOutput.number($0 / max(mine, 1e-9), digits: 1) } ?? .null]).text)
        }
        let total = ours.values.reduce(0, +), tlTotal = theirs.values.reduce(0, +)
        print(JSONOutput(["sweeps": .int(parsed.sweeps.count), "sequences": .int(sequences), "threads": .int(threads),
                          "rederive_s": JSONOutput.number(total, digits: 4), "transformer_lens_s": JSONOutput.number(tlTotal, digits: 4),
                          "ratio": JSONOutput.number(theirs.isEmpty ? 0 : tlTotal / max(total, 1e-9), digits: 1),
                          "goal_ratio": .int(10)]).text)
    }

    /// The files the Python side reads: the model with TransformerLens's names, its config as
    /// `HookedTransformerConfig` keywords, and the three batches.
    private func write(_ model: Model, _ inputs: PatchingInputs, into folder: String) throws {
        var training = TrainingConfig.study
        training.model = model.config
        try Checkpoint(model: model, config: training, step: 0, loss: .nan, optimizerFile: nil).write(to: folder + "/model.safetensors")
        let c = model.config
        var fields: [String: Any] = ["n_layers": c.nLayers, "d_model": c.dModel, "n_heads": c.nHeads, "d_head": c.dHead,
                                     "d_vocab": c.dVocab, "n_ctx": c.nCtx, "act_fn": c.actFn.rawValue,
                                     "normalization_type": c.hasLayerNorm ? "LN" : NSNull()]
        if let m = c.dMLP { fields["d_mlp"] = m } else { fields["attn_only"] = true }
        try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]).write(to: URL(fileURLWithPath: folder + "/config.json"))
        let arrays = inputs.arrays
        try NumpyFile.write(arrays.clean, to: folder + "/" + PatchingFolder.Array.clean.fileName)
        try NumpyFile.write(arrays.corrupted, to: folder + "/" + PatchingFolder.Array.corrupted.fileName)
        try NumpyFile.write(arrays.answers, to: folder + "/" + PatchingFolder.Array.answers.fileName)
    }

    /// Runs the Python side and reads its seconds per sweep.
    private func transformerLens(_ folder: String, sweeps: [PatchingSweep]) throws -> [String: Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, folder] + sweeps.map(\.rawValue) + ["--repeats", String(repeats), "--threads", String(threading.threads)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let seconds = object["seconds"] as? [String: Double] else {
            throw ValidationError("\(python) \(script) failed (status \(process.terminationStatus)); is transformer_lens 3.9.0 installed there?")
        }
        return seconds
    }
}
