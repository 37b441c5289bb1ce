import Foundation
import XCTest
import Analysis
import AtomicFiles
import Tensor
import Transformer

/// The whole analysis on small models: one built by hand to have a known answer, and random
/// ones whose internal consistency (attributions adding up to logits) is checked.
final class CheckpointAnalysisTests: XCTestCase {
    private var scratch: String!

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "rederive-analysis-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    private var smallSettings: AnalysisSettings {
        var settings = AnalysisSettings()
        settings.evalSequences = 24
        settings.ablationSequences = 4
        settings.probes.logistic.iterations = 30
        return settings
    }

    private func checkpoint(_ model: ModelConfig, seed: UInt64 = 1) -> Checkpoint {
        let config = TrainingConfig(model: model, batch: 8, steps: 1, lr: 1e-3)
        return Checkpoint(model: Model(config: model, seed: seed), config: config, step: 7, loss: 1, optimizerFile: nil)
    }

    /// One attention-only head reading learned one-hot positions: the query at i matches only
    /// the key at i − 1, with a logit gap of 30, so it attends to the previous token.
    func testHandBuiltPreviousTokenHeadScoresOne() throws {
        let n = 8, d = 8
        let config = ModelConfig(nLayers: 1, dModel: d, nHeads: 1, dHead: d, dMLP: nil, dVocab: 5, nCtx: n,
                                 normalization: .none, positional: .learned)
        var built = checkpoint(config)
        var parameters = built.model.parameters
        let identity = Tensor(shape: [d, d], generating: { $0 / d == $0 % d ? 1 : 0 })
        // W_K maps position j to direction j + 1, so q_i · k_j = c² when j = i − 1.
        let shift = Tensor(shape: [d, d], generating: { $0 % d == $0 / d + 1 ? 1 : 0 })
        let c = Float(30).squareRoot() * Float(d).squareRoot().squareRoot()   // c² / √d_head = 30
        try parameters.set(.embed, Tensor.zeros([5, d]))
        try parameters.set(.posEmbed, identity)
        try parameters.set(.block(0, .wQ), (identity * c).reshaped([1, d, d]))
        try parameters.set(.block(0, .wK), (shift * c).reshaped([1, d, d]))
        built.model = Model(parameters: parameters)

        let summary = try CheckpointAnalysis(checkpoint: built, path: "hand-built", settings: smallSettings)
            .write(to: scratch + "/prev")
        let scores = try XCTUnwrap(summary.heads.first).scores
        XCTAssertEqual(scores.previousToken, 1, accuracy: 1e-6)
        XCTAssertEqual(scores.currentToken, 0, accuracy: 1e-6)
        let pattern = try NumpyFile.readTensor(scratch + "/prev/attention.L0.pattern.npy")
        XCTAssertEqual(pattern.shape, [1, n, n])
        XCTAssertEqual(pattern[0, 5, 4], 1, accuracy: 1e-6)
        // Learned one-hot positions are in the embedding stream: the probes read them exactly.
        let embedProbe = try XCTUnwrap(summary.probes.first { $0.stream == "blocks.0.hook_resid_pre" && !$0.normalized })
        XCTAssertEqual(embedProbe.logisticAccuracy, 1)
        XCTAssertEqual(embedProbe.ridgeR2, 1, accuracy: 1e-3)
    }

    /// The attributions of all components add up to the logit of the correct token.
    func testLogitAttributionAddsUpToTheLogits() throws {
        for config in [
            ModelConfig(nLayers: 2, dModel: 16, nHeads: 2, dHead: 8, dMLP: 32, dVocab: 11, nCtx: 6),
            ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: nil, dVocab: 7, nCtx: 5,
                        normalization: .none, positional: .learned),
        ] {
            var built = checkpoint(config, seed: 3)
            // Non-zero biases, so the "bias" component is exercised.
            var parameters = built.model.parameters
            var rng = RandomGenerator(seed: 4)
            for entry in parameters.layout.entries where entry.name.name.contains(".b") || entry.name == .unembedBias {
                try parameters.set(entry.name, rng.normalTensor(shape: entry.shape, std: 0.3))
            }
            built.model = Model(parameters: parameters)
            let summary = try CheckpointAnalysis(checkpoint: built, path: "random", settings: smallSettings)
                .write(to: scratch + "/dla")
            let dla = try NumpyFile.readTensor(scratch + "/dla/dla.npy")
            XCTAssertEqual(dla.shape, [summary.dlaComponents.count, config.nCtx])

            // The model's own mean correct-token logit at each position.
            let tokens = try XCTUnwrap(NumpyFile.read(scratch + "/dla/tokens.npy").integers)
            let batch = TokenBatch(tokens: tokens.map(Int32.init), batch: 24, length: config.nCtx)
            let logits = built.model.run(batch, cache: .none).logits
            for p in 1..<config.nCtx {
                var mean = 0.0
                for b in 0..<24 { mean += Double(logits[b, p, tokens[b * config.nCtx + p - 1]]) }
                mean /= 24
                let total = (0..<dla.shape[0]).reduce(0.0) { $0 + Double(dla[$1, p]) }
                XCTAssertEqual(total, mean, accuracy: 1e-3 * max(1, abs(mean)), "position \(p) of \(summary.dlaComponents)")
            }
        }
    }

    func testEveryListedFileExistsAndSummaryIsComplete() throws {
        let config = ModelConfig(nLayers: 2, dModel: 16, nHeads: 1, dHead: 16, dMLP: 32, dVocab: 13, nCtx: 6)
        let summary = try CheckpointAnalysis(checkpoint: checkpoint(config), path: "random", settings: smallSettings)
            .write(to: scratch + "/all")
        for file in summary.files + ["summary.json"] {
            XCTAssert(FileManager.default.fileExists(atPath: scratch + "/all/" + file), file)
        }
        XCTAssertEqual(summary.probes.count, 2 * 5)         // 5 streams, raw and normalised
        XCTAssertEqual(summary.heads.count, 2)
        XCTAssertEqual(summary.composition.count, 3)        // Q, K, V between the two heads
        XCTAssertEqual(summary.ablations.count, 1 + 2 * 9 + 1)   // embed; per layer 6 attention + 3 MLP; ln_final
        XCTAssertEqual(summary.uniformLoss, log(12), accuracy: 1e-12)
        let byPosition = try NumpyFile.readTensor(scratch + "/all/ablation.attn0_by_position.npy")
        XCTAssertEqual(byPosition.shape, [6])
        // Position 0 (BOS) has no target; every other position has one in every sequence, so
        // the positions' mean is the loss.
        let lossByPosition = try NumpyFile.readTensor(scratch + "/all/loss_by_position.npy").scalars
        XCTAssertEqual(lossByPosition.count, 6)
        XCTAssertTrue(lossByPosition[0].isNaN)
        XCTAssertEqual(lossByPosition.dropFirst().reduce(0.0) { $0 + Double($1) } / 5, summary.loss, accuracy: 1e-5)
        let decoded = try JSONDecoder().decode(AnalysisSummary.self, from: Data(contentsOf: URL(fileURLWithPath: scratch + "/all/summary.json")))
        XCTAssertEqual(decoded, summary)
    }

    /// Probes, circuits and ablations run as independent jobs on several threads; the
    /// evaluation batch goes through the model in chunks, and the ablation blocks a few at a
    /// time, resuming at their layer: none of that may change a byte of the output.
    func testOutputDoesNotDependOnThreadsChunksOrAblationGrouping() throws {
        let config = ModelConfig(nLayers: 3, dModel: 16, nHeads: 2, dHead: 8, dMLP: 32, actFn: .gelu, dVocab: 13, nCtx: 6)
        let saved = ComputeThreads.count
        defer { ComputeThreads.count = saved }
        func analyse(threads: Int, sequencesPerForward: Int, into name: String) throws -> AnalysisSummary {
            ComputeThreads.count = threads
            var settings = smallSettings
            settings.ablationSequencesPerForward = sequencesPerForward
            return try CheckpointAnalysis(checkpoint: checkpoint(config), path: "random", settings: settings)
                .write(to: scratch + "/" + name)
        }
        // One forward of the whole batch and of all 1 + 28 + 6 ablation blocks on one thread,
        // against chunks of 4 sequences and one block per forward on two (and 3 on three).
        let whole = try analyse(threads: 1, sequencesPerForward: 1000, into: "whole")
        for (threads, perForward) in [(2, 4), (3, 12)] {
            let split = try analyse(threads: threads, sequencesPerForward: perForward, into: "split\(perForward)")
            XCTAssertEqual(split, whole)
            for file in whole.files + ["summary.json"] {
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: scratch + "/split\(perForward)/" + file)),
                               try Data(contentsOf: URL(fileURLWithPath: scratch + "/whole/" + file)), file)
            }
        }
        // The ablations did something: mean-ablating the embedding costs loss.
        let embed = try XCTUnwrap(whole.ablations.first { $0.activation == "hook_embed" })
        XCTAssertNotEqual(embed.loss, whole.ablationBaselineLoss)
    }

    func testRunFolderAnalysisWritesOneRowPerCheckpoint() throws {
        let config = ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: 16, dVocab: 9, nCtx: 5)
        let run = RunFolder(scratch + "/run")
        try run.create()
        for step in [0, 10, 20] {
            var saved = checkpoint(config, seed: UInt64(step))
            saved.step = step
            try saved.write(to: run.checkpointPath(step: step))
            if step == 20 { try saved.write(to: run.modelPath) }
        }
        try AtomicFile.write(Array("step,loss\n20,1.0\n".utf8), to: run.logPath)
        try RunAnalysis.run(run.path, into: scratch + "/out", settings: smallSettings)
        let rows = try JSONDecoder().decode([TrainingMetrics].self, from: Data(contentsOf: URL(fileURLWithPath: scratch + "/out/training.json")))
        XCTAssertEqual(rows.map(\.step), [0, 10, 20])
        XCTAssertEqual(rows[0].probes.count, 3)
        XCTAssert(FileManager.default.fileExists(atPath: scratch + "/out/training_log.csv"))
    }

    func testBadCheckpointsAreNamed() throws {
        let missing = scratch + "/nope.safetensors"
        XCTAssertThrowsError(try RunAnalysis.run(missing, into: scratch + "/x")) { error in
            XCTAssert("\(error)".hasPrefix(missing), "\(error)")
        }
        // Truncated: a real checkpoint cut short.
        let config = ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: nil, dVocab: 9, nCtx: 5)
        let path = scratch + "/cut.safetensors"
        try checkpoint(config).write(to: path)
        let bytes = try AtomicFile.read(path)
        try AtomicFile.write(Array(bytes.dropLast(100)), to: path)
        XCTAssertThrowsError(try CheckpointAnalysis(checkpointPath: path)) { error in
            XCTAssert("\(error)".contains(path) && "\(error)".contains("truncated"), "\(error)")
        }
        // Mismatched: a tensor of the wrong shape.
        var good = checkpoint(config).file
        good.arrays["unembed.W_U"] = .float32(Tensor.zeros([8, 3]))
        let mismatched = scratch + "/mismatch.safetensors"
        try good.write(to: mismatched)
        XCTAssertThrowsError(try CheckpointAnalysis(checkpointPath: mismatched)) { error in
            XCTAssert("\(error)".contains(mismatched) && "\(error)".contains("unembed.W_U"), "\(error)")
        }
    }

    // MARK: Whole or nothing

    /// The files in a folder with their bytes, to compare folders before and after.
    private func contents(_ folder: String) throws -> [String: [UInt8]] {
        var files = [String: [UInt8]]()
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            files[name] = try AtomicFile.read(folder + "/" + name)
        }
        return files
    }

    /// A run folder of three checkpoints of `config`, with a log.
    private func makeRun(_ name: String, _ config: ModelConfig) throws -> RunFolder {
        let run = RunFolder(scratch + "/" + name)
        try run.create()
        for step in [0, 10, 20] {
            var saved = checkpoint(config, seed: UInt64(step))
            saved.step = step
            try saved.write(to: run.checkpointPath(step: step))
            if step == 20 { try saved.write(to: run.modelPath) }
        }
        try AtomicFile.write(Array("step,loss\n20,1.0\n".utf8), to: run.logPath)
        return run
    }

    /// An analysis that failed partway (here at a cut checkpoint, after the final model's files
    /// were written) left 41 of its 43 files in --out; now the earlier analysis stays as it was.
    func testFailedAnalysisLeavesThePreviousOneUntouched() throws {
        let config = ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: 16, dVocab: 9, nCtx: 5)
        let good = try makeRun("good", config), bad = try makeRun("bad", ModelConfig(nLayers: 1, dModel: 8, nHeads: 2, dHead: 4, dMLP: 16, dVocab: 9, nCtx: 5))
        let out = scratch + "/out"
        try RunAnalysis.run(good.path, into: out, settings: smallSettings)
        let before = try contents(out)
        let cut = try AtomicFile.read(bad.checkpointPath(step: 10))
        try AtomicFile.write(Array(cut.prefix(cut.count - 8)), to: bad.checkpointPath(step: 10))
        XCTAssertThrowsError(try RunAnalysis.run(bad.path, into: out, settings: smallSettings)) { error in
            XCTAssert("\(error)".hasPrefix(bad.checkpointPath(step: 10)), "\(error)")
        }
        XCTAssertEqual(try contents(out), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), ["bad", "good", "out"],
                       "no temporary folder is left beside --out")
    }

    /// Analysing a 1-layer model into a 2-layer model's analysis kept the layer-1 files.
    func testNewAnalysisLeavesNoStaleFiles() throws {
        let two = ModelConfig(nLayers: 2, dModel: 8, nHeads: 1, dHead: 8, dMLP: nil, dVocab: 9, nCtx: 5)
        let one = ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: nil, dVocab: 9, nCtx: 5)
        let out = scratch + "/out"
        for config in [two, one] {
            let path = scratch + "/model.safetensors"
            try checkpoint(config).write(to: path)
            try RunAnalysis.run(path, into: out, settings: smallSettings)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertTrue(names.contains("attention.L0.pattern.npy"))
        XCTAssertFalse(names.contains { $0.contains("L1") }, "\(names.sorted())")
    }

    /// A checkpoint whose W_Q holds one inf made the SVD spin forever; it is now refused on
    /// load, naming the file, the tensor and the index, and nothing is written.
    func testNonFiniteCheckpointIsRefusedBeforeAnyOutput() throws {
        let config = ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: nil, dVocab: 9, nCtx: 5)
        var file = checkpoint(config).file
        var weights = try file.tensor("blocks.0.attn.W_Q", path: "")
        weights.scalars[9] = .infinity
        file.arrays["blocks.0.attn.W_Q"] = .float32(weights)
        let path = scratch + "/inf.safetensors"
        try file.write(to: path)
        XCTAssertThrowsError(try RunAnalysis.run(path, into: scratch + "/out")) { error in
            XCTAssert("\(error)".hasPrefix(path + ": tensor 'blocks.0.attn.W_Q' holds inf at index [0, 1, 1]"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/out"))
    }

    /// 3e38 is finite, so the checkpoint loads, but the activations overflow; the analysis used to
    /// spin in LAPACK. Now it stops with a typed error and writes nothing.
    func testOverflowingWeightsStopWithATypedError() throws {
        let config = ModelConfig(nLayers: 1, dModel: 8, nHeads: 1, dHead: 8, dMLP: 16, dVocab: 9, nCtx: 5)
        var file = checkpoint(config).file
        var weights = try file.tensor("blocks.0.attn.W_Q", path: "")
        weights.scalars[5] = 3e38
        file.arrays["blocks.0.attn.W_Q"] = .float32(weights)
        let path = scratch + "/big.safetensors"
        try file.write(to: path)
        XCTAssertThrowsError(try RunAnalysis.run(path, into: scratch + "/out", settings: smallSettings)) { error in
            switch error as? AnalysisError {
            case .notConverged?, .badInput?, .badCheckpoint?: break
            default: XCTFail("expected a typed analysis error, got \(error)")
            }
            XCTAssert("\(error)".contains("nan") || "\(error)".contains("inf"), "\(error)")
            // The message names the checkpoint and the weight that overflows (issue #22).
            XCTAssert("\(error)".hasPrefix(path) && "\(error)".contains("3e+38 in 'blocks.0.attn.W_Q'"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/out"))
    }
}
