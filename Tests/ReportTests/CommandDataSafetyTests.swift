import AtomicFiles
import Foundation
import XCTest
import Analysis
import Report
import Tensor
import Transformer

/// Issue #22, the commands' half: `train`, `analyze` and `report` delete or replace only what
/// they made, check sizes before taking memory, and say what they assume. Every case runs with
/// canaries (files Rederive did not make, in and around the project) that must come out
/// byte-identical.
final class CommandDataSafetyTests: XCTestCase {
    var project = ""

    override func setUpWithError() throws {
        project = NSTemporaryDirectory() + "rederive-command-safety-\(UUID().uuidString)"
        for (path, text) in [("notes.txt", "my notes\n"), ("mydocs/thesis.tex", "\\section{Intro}\n"),
                             (".git/HEAD", "ref: refs/heads/main\n"), ("mydocs/.notes.tmp-99998", "hidden\n")] {
            try AtomicFile.write(Array(text.utf8), to: project + "/" + path)
        }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: project) }

    /// Every file below `folder` with its bytes.
    func snapshot(_ folder: String) -> [String: [UInt8]] {
        var files = [String: [UInt8]]()
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let relative = enumerator?.nextObject() as? String {
            if let bytes = try? AtomicFile.read(folder + "/" + relative) { files[relative] = bytes }
        }
        return files
    }

    static var tiny: TrainingConfig {
        var config = TrainingConfig(model: ModelConfig(nLayers: 1, dModel: 8, nHeads: 2, dHead: 4, dMLP: 16, dVocab: 12, nCtx: 6),
                                    batch: 8, steps: 4, lr: 1e-3, warmupSteps: 1)
        config.checkpointEvery = 2
        return config
    }

    func trainRun() throws -> String {
        let run = project + "/run"
        _ = try Trainer(config: Self.tiny, folder: run, threads: 1, progress: Progress(style: .silent)).run()
        return run
    }

    var smallAnalysis: AnalysisSettings {
        var settings = AnalysisSettings()
        settings.evalSequences = 16
        settings.ablationSequences = 4
        return settings
    }

    func testAnalyzeAndReportRefuseTheRunTheyReadItsParentsAndFoldersTheyDidNotMake() throws {
        let run = try trainRun()
        let before = snapshot(project)
        let cases = [(run, "\(run) is \(run), which this command reads"),
                     (project, "\(project) holds \(run), which this command reads"),
                     (project + "/mydocs", "\(project)/mydocs holds files that Rederive did not make (.notes.tmp-99998, thesis.tex)"),
                     (project + "/notes.txt", "\(project)/notes.txt is a file, not a folder")]
        for (out, expected) in cases {
            XCTAssertThrowsError(try RunAnalysis.run(run, into: out, settings: smallAnalysis)) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)")
            }
            XCTAssertThrowsError(try ModelReport.write(source: run, out: out, settings: smallAnalysis)) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)")
            }
        }
        XCTAssertEqual(snapshot(project), before)
    }

    func testForceKeepsAnotherFolderAsideAndAReportIsWholeOrNothing() throws {
        let run = try trainRun()
        let thesis = snapshot(project + "/mydocs")
        _ = try RunAnalysis.run(run, into: project + "/mydocs", settings: smallAnalysis, force: true)
        XCTAssertEqual(snapshot(project + "/mydocs.kept-1"), thesis)
        XCTAssertEqual(OwnedFolder.kind(of: project + "/mydocs"), .analysis)

        let report = project + "/report"
        _ = try ModelReport.write(source: run, out: report, settings: smallAnalysis)
        XCTAssertEqual(OwnedFolder.kind(of: report), .report)
        let written = snapshot(report)
        XCTAssertNotNil(written["report.html"])
        XCTAssertNotNil(written["analysis/summary.json"])
        // A report that fails half-way (here: a tokens file that is not there) leaves the old one
        // whole, and nothing of its own beside it.
        var failing = smallAnalysis
        failing.tokensFile = (project + "/missing.npy", nil)
        XCTAssertThrowsError(try ModelReport.write(source: run, out: report, settings: failing))
        XCTAssertEqual(snapshot(report), written)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project).filter { $0.hasPrefix(".report") }, [])
        // A report may replace its own folder, and only an analysis may replace an analysis.
        _ = try ModelReport.write(source: run, out: report, settings: smallAnalysis)
        XCTAssertThrowsError(try RunAnalysis.run(run, into: report, settings: smallAnalysis)) { error in
            XCTAssertTrue("\(error)".contains("holds a report folder that Rederive made for another purpose"), "\(error)")
        }
    }

    /// Sizes from a training YAML, a TransformerLens config and a checkpoint's metadata are
    /// checked against ceilings and the tensors' real shapes before anything is allocated.
    func testAbsurdSizesAreRefusedBeforeAllocating() throws {
        let start = Date()
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "n_heads: 100000\nd_head: 8\n", source: "c.yaml")) { error in
            XCTAssertEqual("\(error)", "c.yaml: n_heads is 100000; Rederive runs models with n_heads from 1 to 1024")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "batch: 1000000000\n", source: "c.yaml")) { error in
            XCTAssertEqual("\(error)", "c.yaml: batch is 1000000000; Rederive trains with batch from 1 to 1048576")
        }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/TransformerLens/heads4_gelu").path
        var fields = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/config.json"))) as? [String: Any])
        fields["n_ctx"] = 100_000_000
        try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: project + "/big.json"))
        fields["n_ctx"] = 60_000
        try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: project + "/long.json"))
        XCTAssertThrowsError(try Checkpoint.load(fixture + "/model.safetensors", options: CheckpointOptions(configFile: project + "/big.json"))) { error in
            XCTAssertEqual("\(error)", "\(project)/big.json: n_ctx is 100000000; Rederive runs models with n_ctx from 1 to 65536")
        }
        XCTAssertThrowsError(try Checkpoint.load(fixture + "/model.safetensors", options: CheckpointOptions(configFile: project + "/long.json"))) { error in
            XCTAssertEqual("\(error)", "\(fixture)/model.safetensors: tensor 'pos_embed.W_pos' has shape [16, 32], the config needs [60000, 32]")
        }
        // A Rederive checkpoint whose metadata asks for a huge MLP.
        var file = Checkpoint(model: Model(config: Self.tiny.model, seed: 0), config: Self.tiny, step: 0, loss: .nan, optimizerFile: nil).file
        file.metadata["config"] = try XCTUnwrap(file.metadata["config"]).replacingOccurrences(of: "\"d_mlp\": 16", with: "\"d_mlp\": 1000000000")
        XCTAssertThrowsError(try Checkpoint.decode(file, path: "m.safetensors")) { error in
            XCTAssertEqual("\(error)", "m.safetensors (metadata 'config'): d_mlp is 1000000000; Rederive runs models with d_mlp from 1 to 131072")
        }
        // An integer tensor where a float parameter belongs is named as such, not as missing.
        var integers = Checkpoint(model: Model(config: Self.tiny.model, seed: 0), config: Self.tiny, step: 0, loss: .nan, optimizerFile: nil).file
        integers.arrays["blocks.0.attn.W_Q"] = .int32(shape: [2, 8, 4], values: [Int32](repeating: 1, count: 64))
        XCTAssertThrowsError(try Checkpoint.decode(integers, path: "i.safetensors")) { error in
            XCTAssertEqual("\(error)", "i.safetensors: tensor 'blocks.0.attn.W_Q' has dtype I32; expected F32, F16 or BF16 (a model parameter is a float)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testWorkOverTheMemoryLimitIsRefusedWithItsEstimate() throws {
        setenv(MemoryBudget.environmentKey, "10K", 1)
        defer { unsetenv(MemoryBudget.environmentKey) }
        XCTAssertThrowsError(try Trainer(config: Self.tiny, folder: project + "/run", threads: 1, progress: Progress(style: .silent)).run()) { error in
            XCTAssertTrue("\(error)".hasPrefix("training (batch 8 × n_ctx 6, d_model 8) needs about "), "\(error)")
            XCTAssertTrue("\(error)".contains("over the limit of 10 KB (REDERIVE_MEMORY_LIMIT=10K)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: project + "/run"))
    }

    /// A state dict without a config runs only on what its shapes prove; the rest is said once,
    /// with the flag that overrides it, and the flag gives TransformerLens's logits.
    func testAStateDictWithoutAConfigSaysWhatItAssumes() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/TransformerLens/heads4_gelu").path
        let tokens = fixture + "/tokens.npy"
        let guessed = try LogitsExport.run(checkpoint: fixture + "/model.safetensors", tokens: tokens, out: project + "/guessed.npy")
        XCTAssertTrue(guessed.notes.contains { $0.hasPrefix("ASSUMED act_fn relu") && $0.contains("--act-fn gelu") }, "\(guessed.notes)")
        let told = try LogitsExport.run(checkpoint: fixture + "/model.safetensors", options: CheckpointOptions(actFn: .gelu),
                                        tokens: tokens, out: project + "/told.npy")
        XCTAssertFalse(told.notes.contains { $0.hasPrefix("ASSUMED") }, "\(told.notes)")
        let reference = try NumpyFile.readTensor(fixture + "/logits.npy").scalars
        let logits = try NumpyFile.readTensor(project + "/told.npy").scalars
        XCTAssertLessThan(zip(logits, reference).map { abs($0 - $1) }.max() ?? 1, 1e-4)

        // Without LayerNorm weights, LNPre and no normalisation look the same.
        var contents = try SafetensorsFile.read(fixture + "/model.safetensors")
        for name in contents.arrays.keys where name.hasPrefix("ln_final.") || name.contains(".ln1.") || name.contains(".ln2.") {
            contents.arrays[name] = nil
        }
        try contents.write(to: project + "/lnpre.safetensors")
        let plain = try Checkpoint.load(project + "/lnpre.safetensors", options: CheckpointOptions(actFn: .gelu))
        XCTAssertEqual(plain.config.model.normalization, .none)
        XCTAssertTrue(plain.notes.contains { $0.hasPrefix("ASSUMED no normalisation") && $0.contains("--normalization LNPre") }, "\(plain.notes)")
        let lnPre = try Checkpoint.load(project + "/lnpre.safetensors", options: CheckpointOptions(actFn: .gelu, normalization: .LNPre))
        XCTAssertEqual(lnPre.config.model.normalization, .layerNorm)
        XCTAssertFalse(lnPre.notes.contains { $0.hasPrefix("ASSUMED") })
    }

    /// The ridge probe's sums are in double: at 1.5 million rows (30,000 sequences of 50) whose
    /// features sit far from zero, a float32 Gram matrix was no longer positive definite.
    func testRidgeProbeIsExactAtAnyEvaluationSize() throws {
        let (n, d) = (1_500_000, 4)
        var features = [Float](repeating: 0, count: n * d), targets = [Float](repeating: 0, count: n)
        var generator = RandomGenerator(seed: 7)
        for row in 0..<n {
            let position = Float(row % 50)
            targets[row] = position
            features[row * d] = 1000 + 0.5 * position
            for j in 1..<d { features[row * d + j] = 1000 + generator.nextNormal() }
        }
        let probe = try RidgeProbe(features: Tensor(shape: [n, d], scalars: features), targets: targets, ridgeFraction: 1e-9)
        XCTAssertEqual(probe.weights[0], 2, accuracy: 1e-5)
        for j in 1..<d { XCTAssertEqual(probe.weights[j], 0, accuracy: 1e-5) }
        XCTAssertEqual(probe.rSquared(features: Tensor(shape: [n, d], scalars: features), targets: targets), 1, accuracy: 1e-9)
    }

    func testAnOverflowingWeightNamesTheCheckpointAndTheWeight() throws {
        var model = Model(config: Self.tiny.model, seed: 0)
        model.parameters.storage[0] = 3e38
        let path = project + "/huge.safetensors"
        try Checkpoint(model: model, config: Self.tiny, step: 0, loss: .nan, optimizerFile: nil).write(to: path)
        XCTAssertThrowsError(try RunAnalysis.run(path, into: project + "/analysis", settings: smallAnalysis)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
            XCTAssertTrue("\(error)".contains("3e+38 in 'embed.W_E'"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: project + "/analysis"))
    }
}
