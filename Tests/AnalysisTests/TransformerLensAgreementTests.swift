import Foundation
import XCTest
import Analysis
import Tensor
import Transformer

/// Our forward, attention patterns, residual streams and direct logit attribution against
/// TransformerLens 3.9's own `run_with_cache` on the same weights and tokens. The fixtures and
/// the script that made them are in Tests/Fixtures/TransformerLens; no Python runs here.
final class TransformerLensAgreementTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/TransformerLens").path
    static let models = ["study", "heads4_gelu", "attn_only"]

    private func folder(_ name: String) -> String { Self.fixtures + "/" + name }

    private func batch(_ name: String, model: ModelConfig) throws -> TokenBatch {
        try TokenFile.batch(tokens: folder(name) + "/tokens.npy", targets: folder(name) + "/targets.npy", model: model)
    }

    /// Within `tolerance` of the reference, scaled by its largest magnitude when that exceeds 1
    /// (float32 sums of logits near 40 differ from PyTorch's order of summation in the 6th digit).
    private func assertClose(_ ours: Tensor, _ path: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) throws {
        let reference = try NumpyFile.readTensor(path)
        XCTAssertEqual(ours.shape, reference.shape, path, file: file, line: line)
        guard ours.shape == reference.shape else { return }
        let worst = zip(ours.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        let bound = tolerance * max(1, reference.scalars.map(abs).max() ?? 0)
        XCTAssertLessThanOrEqual(worst, bound, "\(path): max |ours − TransformerLens| = \(worst)", file: file, line: line)
    }

    func testForwardPatternsAndResidualsMatchTransformerLens() throws {
        for name in Self.models {
            let checkpoint = try Checkpoint.load(folder(name) + "/model.safetensors",
                                                 options: CheckpointOptions(configFile: folder(name) + "/config.json"))
            let model = checkpoint.config.model
            let run = checkpoint.model.run(try batch(name, model: model), cache: .all)
            try assertClose(run.logits, folder(name) + "/logits.npy")
            // TransformerLens's own hook names, as its cache was saved, read into hook points.
            var hooks = ["blocks.0.hook_resid_pre"]
            for l in 0..<model.nLayers {
                hooks.append("blocks.\(l).attn.hook_pattern")
                if model.hasMLP { hooks.append("blocks.\(l).hook_resid_mid") }
                hooks.append("blocks.\(l).hook_resid_post")
            }
            for hook in hooks {
                try assertClose(try XCTUnwrap(run.cache[try XCTUnwrap(HookName(parsing: hook))]), folder(name) + "/\(hook).npy")
            }
        }
    }

    /// The analysis on the fixture's tokens (`--tokens`/`--targets`): its mean patterns and its
    /// direct logit attribution agree with TransformerLens's cache.
    func testAnalysisOnFixtureTokensMatchesTransformerLens() throws {
        for name in Self.models {
            let out = NSTemporaryDirectory() + "rederive-tl-\(name)-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: out) }
            var settings = AnalysisSettings()
            settings.checkpoint = CheckpointOptions(configFile: folder(name) + "/config.json")
            settings.tokensFile = (folder(name) + "/tokens.npy", folder(name) + "/targets.npy")
            settings.ablationSequences = 2
            settings.probes.logistic.iterations = 5
            let summary = try CheckpointAnalysis(checkpointPath: folder(name) + "/model.safetensors", settings: settings).write(to: out)
            try assertClose(try NumpyFile.readTensor(out + "/dla.npy"), folder(name) + "/dla.npy")
            for l in 0..<summary.heads.map(\.layer).max()! + 1 {
                let perSequence = try NumpyFile.readTensor(folder(name) + "/blocks.\(l).attn.hook_pattern.npy")
                try XCTAssertEqual(NumpyFile.readTensor(out + "/attention.L\(l).pattern.npy").shape, Array(perSequence.shape.dropFirst()))
                let mean = perSequence.meanOverFirstAxis()
                let ours = try NumpyFile.readTensor(out + "/attention.L\(l).pattern.npy")
                XCTAssertLessThanOrEqual(zip(ours.scalars, mean.scalars).map { abs($0 - $1) }.max() ?? 1, 1e-4, "\(name) L\(l)")
            }
        }
    }

    /// Half-precision state dicts, as PyTorch saves a model after `model.half()` or
    /// `.to(torch.bfloat16)` (make_half_precision.py): every parameter is the float32 fixture's
    /// value rounded to F16 or BF16 (round to nearest, ties to even), read back exactly, and the
    /// model still gives TransformerLens's float32 logits to within half precision.
    func testHalfPrecisionStateDictsLoadExactly() throws {
        let name = "heads4_gelu"
        let options = CheckpointOptions(configFile: folder(name) + "/config.json")
        let full = try Checkpoint.load(folder(name) + "/model.safetensors", options: options)
        let toBFloat16 = { (x: Float) -> Float in
            let bits = x.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
        }
        for (suffix, round) in [("f16", { Float(Float16($0)) }), ("bf16", toBFloat16)] {
            let half = try Checkpoint.load(folder(name) + "/model.\(suffix).safetensors", options: options)
            XCTAssertEqual(half.config.model, full.config.model)
            let expected = full.model.parameters.storage.map { round($0).bitPattern }
            XCTAssertEqual(half.model.parameters.storage.map(\.bitPattern), expected, suffix)
            XCTAssertNotEqual(half.model.parameters.storage, full.model.parameters.storage, "\(suffix) should have rounded something")
            XCTAssertTrue(half.notes.contains { $0.contains("half-precision (F16/BF16) tensors as float32") }, "\(half.notes)")
            let run = half.model.run(try batch(name, model: half.config.model), cache: .none)
            try assertClose(run.logits, folder(name) + "/logits.npy", tolerance: suffix == "f16" ? 2e-3 : 2e-2)
        }
    }

    /// An F16 weight that overflowed to infinity is refused, saying it overflowed in the
    /// conversion (not that the run diverged) and what to save instead.
    func testHalfPrecisionInfinityIsRefused() throws {
        let path = folder("heads4_gelu") + "/model.f16.nonfinite.safetensors"
        XCTAssertThrowsError(try Checkpoint.load(path, options: CheckpointOptions(configFile: folder("heads4_gelu") + "/config.json"))) { error in
            XCTAssertEqual(error as? CheckpointError, .overflowedFloat16(path: path, name: "embed.W_E", index: [3, 5], value: .infinity))
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix(path + ": tensor 'embed.W_E' is stored in F16 and holds inf at index [3, 5]"), message)
            XCTAssertTrue(message.contains("converted to float16") && message.contains("Save the float32 state dict"), message)
            XCTAssertFalse(message.contains("diverged"), message)
        }
    }

    /// A NaN in F16, or an infinity in BF16 (which has float32's range), cannot come from the
    /// conversion: those keep the error that says the run had diverged.
    func testHalfPrecisionNaNOrBFloat16InfinityIsTheRunsNotTheConversions() throws {
        let scratch = NSTemporaryDirectory() + "rederive-half-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let options = CheckpointOptions(configFile: folder("heads4_gelu") + "/config.json")
        for (suffix, bits, expected) in [("f16", UInt16(0x7E00), "nan"), ("bf16", UInt16(0x7F80), "inf")] {
            // embed.W_E[3, 5] of the fixture, overwritten in the file's bytes.
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder("heads4_gelu") + "/model.\(suffix).safetensors")))
            let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
            let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
            let entry = try XCTUnwrap(header["embed.W_E"] as? [String: Any])
            let shape = try XCTUnwrap(entry["shape"] as? [Int]), begin = try XCTUnwrap((entry["data_offsets"] as? [Int])?.first)
            let at = 8 + headerLength + begin + 2 * (3 * shape[1] + 5)
            (bytes[at], bytes[at + 1]) = (UInt8(bits & 0xFF), UInt8(bits >> 8))
            let path = scratch + "/\(suffix).safetensors"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Checkpoint.load(path, options: options)) { error in
                guard case .nonFinite(path, "embed.W_E", [3, 5], let value)? = error as? CheckpointError else {
                    return XCTFail("\(suffix): \(error)")
                }
                XCTAssertEqual("\(value)", expected, suffix)
                XCTAssertTrue("\(error)".contains("the run had diverged"), "\(error)")
            }
        }
    }

    /// Without --config or metadata the config is inferred from the shapes, and the forward is
    /// the same (these models use relu, or have no MLP, which inference assumes or sees).
    func testInferredConfigGivesTheSameForward() throws {
        for name in ["study", "attn_only"] {
            let inferred = try Checkpoint.load(folder(name) + "/model.safetensors")
            XCTAssertTrue(inferred.notes.contains { $0.contains("inferred from the tensor shapes") }, "\(inferred.notes)")
            XCTAssertTrue(inferred.notes.contains { $0.contains("skipped") && $0.contains("attn.mask") }, "\(inferred.notes)")
            let run = inferred.model.run(try batch(name, model: inferred.config.model), cache: .none)
            try assertClose(run.logits, folder(name) + "/logits.npy")
        }
    }
}
