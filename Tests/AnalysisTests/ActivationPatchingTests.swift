import Foundation
import XCTest
import Analysis
import Tensor
import Transformer

/// `rederive patch` and the logit lens against TransformerLens 3.9 (`transformer_lens.patching`,
/// `ActivationCache.apply_ln_to_stack`) on the fixtures of make_causal_fixtures.py: the same
/// trained models and tokens, answers at a different position in each sequence.
final class ActivationPatchingTests: XCTestCase {
    static let fixtures = TransformerLensAgreementTests.fixtures
    static let models = ["study", "heads4_gelu", "attn_only"]

    private func model(_ name: String) -> String { Self.fixtures + "/" + name + "/model.safetensors" }
    private func options(_ name: String) -> CheckpointOptions { CheckpointOptions(configFile: Self.fixtures + "/" + name + "/config.json") }
    private func causal(_ name: String) -> String { Self.fixtures + "/causal/" + name }
    private func temporary(_ tag: String) -> String { NSTemporaryDirectory() + "rederive-patch-\(tag)-\(UUID().uuidString)" }

    private func files(_ name: String) -> PatchingRun.Source {
        .files(clean: causal(name) + "/clean.npy", corrupted: causal(name) + "/corrupted.npy", answers: causal(name) + "/answers.npy")
    }

    /// The largest |ours − TransformerLens| over the reference's largest magnitude.
    private func relativeError(_ ours: Tensor, _ reference: Tensor) -> Float {
        let worst = zip(ours.scalars, reference.scalars).map { $0.isNaN && $1.isNaN ? 0 : abs($0 - $1) }.max() ?? 0
        return worst / max(reference.scalars.filter(\.isFinite).map(abs).max() ?? 0, 1e-12)
    }

    func testEverySweepMatchesTransformerLens() throws {
        for name in Self.models {
            let out = temporary(name)
            defer { try? FileManager.default.removeItem(atPath: out) }
            let summary = try PatchingRun.run(model(name), into: out, settings: .init(source: files(name), checkpoint: options(name)))
            let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: causal(name) + "/metrics.json"))) as? [String: Double])
            let (clean, corrupted) = (try XCTUnwrap(metrics["clean"]), try XCTUnwrap(metrics["corrupted"]))
            XCTAssertEqual(summary.cleanMetric, clean, accuracy: 1e-4 * max(1, abs(clean)), name)
            XCTAssertEqual(summary.corruptedMetric, corrupted, accuracy: 1e-4 * max(1, abs(corrupted)), name)
            XCTAssertTrue(summary.normalized)
            for sweep in summary.sweeps {
                let reference = try NumpyFile.readTensor(causal(name) + "/\(sweep).npy")
                let ours = try NumpyFile.readTensor(out + "/\(sweep).npy")
                XCTAssertEqual(ours.shape, reference.shape, "\(name) \(sweep)")
                let error = relativeError(ours, reference)
                print("agreement \(name) \(sweep): max |ours − TL| / max |TL| = \(error)")
                XCTAssertLessThanOrEqual(error, 1e-4, "\(name) \(sweep)")
                // The normalised twin, against TransformerLens's array normalised the same way.
                let normalized = try NumpyFile.readTensor(out + "/\(sweep)_normalized.npy")
                let expected = Tensor(shape: reference.shape, scalars: reference.scalars.map { Float((Double($0) - corrupted) / (clean - corrupted)) })
                XCTAssertLessThanOrEqual(relativeError(normalized, expected), 1e-3, "\(name) \(sweep)_normalized")
            }
            XCTAssertEqual(summary.sweeps.contains("mlp_out"), name != "attn_only")
        }
    }

    func testLogitLensMatchesTransformerLens() throws {
        for name in Self.models {
            let out = temporary("lens-\(name)")
            defer { try? FileManager.default.removeItem(atPath: out) }
            var settings = AnalysisSettings()
            settings.checkpoint = options(name)
            settings.tokensFile = (Self.fixtures + "/\(name)/tokens.npy", Self.fixtures + "/\(name)/targets.npy")
            settings.ablationSequences = 2
            settings.probes.logistic.iterations = 5
            try CheckpointAnalysis(checkpointPath: model(name), settings: settings).write(to: out)
            for array in ["logit_lens.loss", "logit_lens.accuracy"] {
                let ours = try NumpyFile.readTensor(out + "/\(array).npy"), reference = try NumpyFile.readTensor(causal(name) + "/\(array).npy")
                XCTAssertEqual(ours.shape, reference.shape, "\(name) \(array)")
                let error = relativeError(ours, reference)
                print("agreement \(name) \(array): max |ours − TL| / max |TL| = \(error)")
                XCTAssertLessThanOrEqual(error, 1e-4, "\(name) \(array)")
                XCTAssertEqual(ours.scalars.map(\.isNaN), reference.scalars.map(\.isNaN), "\(name) \(array): NaN where no target")
            }
        }
    }

    /// Every file byte for byte the same at 1 and 2 threads, on every kernel path this CPU has.
    func testOutputsAreTheSameBytesAtAnyThreadCountAndKernelPath() throws {
        let name = "heads4_gelu", saved = KernelPath.current
        var folders = [(label: String, path: String)]()
        defer {
            folders.forEach { try? FileManager.default.removeItem(atPath: $0.path) }
            try? KernelPath.select(saved)
        }
        for kernels in KernelPath.supported {
            try KernelPath.select(kernels)
            for threads in [1, 2] {
                let out = temporary("\(kernels)-threads\(threads)")
                folders.append(("\(kernels), \(threads) threads", out))
                ComputeThreads.count = threads
                try PatchingRun.run(model(name), into: out, settings: .init(source: .task(sequences: 7, seed: 5, position: nil),
                                                                           checkpoint: options(name), threads: threads))
            }
        }
        ComputeThreads.count = 2
        let names = try FileManager.default.contentsOfDirectory(atPath: folders[0].path).sorted()
        XCTAssertTrue(names.contains("attn_head_out_by_pos_normalized.npy") && names.contains("clean.npy"), "\(names)")
        for other in folders.dropFirst() {
            XCTAssertEqual(names, try FileManager.default.contentsOfDirectory(atPath: other.path).sorted(), other.label)
            for file in names {
                XCTAssertEqual(FileManager.default.contents(atPath: folders[0].path + "/" + file),
                               FileManager.default.contents(atPath: other.path + "/" + file), "\(file): \(folders[0].label) vs \(other.label)")
            }
        }
    }

    /// The fast path (only the rows a patch can change) against the model's own forward of every
    /// patched sequence; and the whole-forward path gives the same bits however its patches are
    /// packed into forwards.
    func testSuffixForwardAgreesWithTheWholeForward() throws {
        for name in Self.models {
            let checkpoint = try Checkpoint.load(model(name), options: options(name))
            let inputs = try PatchingInputs.read(clean: causal(name) + "/clean.npy", corrupted: causal(name) + "/corrupted.npy",
                                                 answers: causal(name) + "/answers.npy", model: checkpoint.config.model)
            let sweeps = PatchingSweep.available(for: checkpoint.config.model)
            let fast = try ActivationPatching(model: checkpoint.model, inputs: inputs).run(sweeps, threads: 2)
            var whole = ActivationPatching(model: checkpoint.model, inputs: inputs)
            whole.engine = .wholeForward
            var narrow = ActivationPatching(model: checkpoint.model, inputs: inputs, rowsPerForward: 1)
            narrow.engine = .wholeForward
            let reference = try whole.run(sweeps, threads: 2), packed = try narrow.run(sweeps, threads: 1)
            for ((a, b), c) in zip(zip(fast.sweeps, reference.sweeps), packed.sweeps) {
                let error = relativeError(a.raw, b.raw)
                print("suffix vs whole forward \(name) \(a.sweep.rawValue): \(error)")
                XCTAssertLessThanOrEqual(error, 1e-5, "\(name) \(a.sweep.rawValue)")
                XCTAssertEqual(b.raw, c.raw, "\(name) \(a.sweep.rawValue): packing changed the bits")
            }
        }
    }

    /// The previous-token corruption: only the token at p − 1 changes, and the answer asks for it.
    func testTaskCorruptionReplacesTheRecalledToken() throws {
        let config = ModelConfig.study
        for (task, k) in [(TaskKind.previousToken, 1), (.kBack(3), 3)] {
            let inputs = try PatchingInputs.taskCorruption(task, model: config, sequences: 16, seed: 1)
            for b in 0..<16 {
                let answer = inputs.answers[b], p = answer.position
                XCTAssertEqual(p, config.nCtx / 2)
                XCTAssertEqual(inputs.clean[b * config.nCtx], 0, "BOS")
                for t in 0..<config.nCtx where t != p - k {
                    XCTAssertEqual(inputs.clean[b * config.nCtx + t], inputs.corrupted[b * config.nCtx + t])
                }
                XCTAssertEqual(Int(inputs.clean[b * config.nCtx + p - k]), answer.correct)
                XCTAssertEqual(Int(inputs.corrupted[b * config.nCtx + p - k]), answer.wrong)
                XCTAssertNotEqual(answer.correct, answer.wrong)
                XCTAssertTrue((1..<config.dVocab).contains(answer.wrong))
            }
        }
    }

    // MARK: Bad input: a sentence naming the file, nothing written

    private func writeInts(_ values: [Int64], _ shape: [Int], _ path: String) throws {
        try NumpyFile.write(.int64(shape: shape, values: values), to: path)
    }

    private func assertRefused(_ source: PatchingRun.Source, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        let out = temporary("bad")
        defer { try? FileManager.default.removeItem(atPath: out) }
        XCTAssertThrowsError(try PatchingRun.run(model("heads4_gelu"), into: out, settings: .init(source: source, checkpoint: options("heads4_gelu"))),
                             file: file, line: line) { error in
            for fragment in fragments { XCTAssertTrue("\(error)".contains(fragment), "\(error)", file: file, line: line) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written", file: file, line: line)
    }

    func testBadInputIsRefusedWithASentenceAndNothingWritten() throws {
        let dir = temporary("inputs")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let n = 16
        let tokens = (0..<(2 * n)).map { Int64($0 % 30) }
        try writeInts(tokens, [2, n], dir + "/clean.npy")
        try writeInts(Array(tokens.prefix(n)), [1, n], dir + "/short.npy")
        try writeInts(tokens.map { $0 == 5 ? 40 : $0 }, [2, n], dir + "/outside.npy")
        try writeInts([3, 1, 2, 16, 1, 2], [2, 3], dir + "/late.npy")
        try writeInts([3, 1, 2, 4, 1, 2], [2, 3], dir + "/answers.npy")
        let answers = dir + "/answers.npy", clean = dir + "/clean.npy"
        assertRefused(.files(clean: clean, corrupted: dir + "/short.npy", answers: answers), ["short.npy", "same shape"])
        assertRefused(.files(clean: clean, corrupted: clean, answers: dir + "/late.npy"), ["late.npy", "answer position 16 is out of range"])
        assertRefused(.files(clean: clean, corrupted: dir + "/outside.npy", answers: answers), ["outside.npy", "token 40", "outside the vocabulary"])
        // The answers file: of the wrong shape, a negative position, a correct or wrong token outside the vocabulary.
        try writeInts([3, 1], [2, 1], dir + "/narrow.npy")
        try writeInts([3, 1, 2, -1, 1, 2], [2, 3], dir + "/negative.npy")
        try writeInts([3, 1, 2, 4, 40, 2], [2, 3], dir + "/correct.npy")
        try writeInts([3, 1, 2, 4, 1, -2], [2, 3], dir + "/wrong.npy")
        try writeInts(Array(tokens.prefix(n)), [n], dir + "/flat.npy")
        assertRefused(.files(clean: clean, corrupted: clean, answers: dir + "/narrow.npy"), ["narrow.npy", "has shape [2, 1]; expected [batch, 3] = [2, 3]"])
        assertRefused(.files(clean: clean, corrupted: clean, answers: dir + "/negative.npy"), ["negative.npy", "answer position -1 is out of range 0..<16"])
        assertRefused(.files(clean: clean, corrupted: clean, answers: dir + "/correct.npy"), ["correct.npy", "token 40 is outside the vocabulary 0..<40"])
        assertRefused(.files(clean: clean, corrupted: clean, answers: dir + "/wrong.npy"), ["wrong.npy", "token -2 is outside the vocabulary"])
        assertRefused(.files(clean: dir + "/flat.npy", corrupted: dir + "/flat.npy", answers: answers), ["flat.npy", "expected [batch, pos]"])
        // The task's own batch, asked for an answer with no token before it to recall.
        assertRefused(.task(sequences: 4, seed: 0, position: 0), ["answer position 0 is out of range 1..<"])
        setenv(MemoryBudget.environmentKey, "10K", 1)
        defer { unsetenv(MemoryBudget.environmentKey) }
        assertRefused(.files(clean: clean, corrupted: clean, answers: answers), ["patching", "over the limit of 10 KB"])
    }

    /// A folder of the user's files is refused before any work, and left as it was; the
    /// command's own earlier folder is replaced whole.
    func testOutputFolderIsClaimed() throws {
        let name = "attn_only", out = temporary("claim")
        defer { try? FileManager.default.removeItem(atPath: out) }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        let settings = PatchingRun.Settings(source: files(name), sweeps: [.attnOut], checkpoint: options(name))
        XCTAssertThrowsError(try PatchingRun.run(model(name), into: out, settings: settings)) { error in
            XCTAssertTrue("\(error)".contains("did not make (notes.txt)"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["notes.txt"])
        try FileManager.default.removeItem(atPath: out + "/notes.txt")
        try PatchingRun.run(model(name), into: out, settings: settings)
        try PatchingRun.run(model(name), into: out, settings: .init(source: files(name), sweeps: [.residPre], checkpoint: options(name)))
        let names = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(names, ["resid_pre.npy", "resid_pre_normalized.npy", "summary.json"])
    }

    /// Clean and corrupted the same: the metrics are equal, so only the raw arrays are written,
    /// and the summary says why.
    func testEqualMetricsWriteRawArraysOnly() throws {
        let name = "heads4_gelu", out = temporary("equal")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let clean = causal(name) + "/clean.npy"
        let summary = try PatchingRun.run(model(name), into: out, settings: .init(
            source: .files(clean: clean, corrupted: clean, answers: causal(name) + "/answers.npy"), checkpoint: options(name)))
        XCTAssertFalse(summary.normalized)
        XCTAssertTrue(summary.note?.contains("undefined") ?? false)
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertTrue(names.contains("resid_pre.npy"))
        XCTAssertFalse(names.contains { $0.hasSuffix("_normalized.npy") }, "\(names)")
    }
}
