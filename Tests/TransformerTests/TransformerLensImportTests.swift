import Foundation
import XCTest
import Tensor
import Transformer

/// Opening TransformerLens state dicts: the config from a `cfg.to_dict()` JSON file, the
/// metadata or the shapes, and errors that name the file, the tensor and what was expected.
final class TransformerLensImportTests: XCTestCase {
    private var scratch: String!
    private let config = ModelConfig(nLayers: 2, dModel: 16, nHeads: 4, dHead: 4, dMLP: 32, actFn: .gelu,
                                     dVocab: 11, nCtx: 6, normalization: .layerNorm, positional: .learned)

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "rederive-tl-import-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    /// A state dict as TransformerLens saves it: parameters plus the float `attn.IGNORE` buffers,
    /// no metadata.
    private func stateDict(_ model: ModelConfig, editing edit: (inout [String: NDArray]) -> Void = { _ in }) throws -> String {
        var arrays = [String: NDArray]()
        for (name, tensor) in Model(config: model, seed: 3).parameters.tensors { arrays[name.name] = .float32(tensor) }
        for l in 0..<model.nLayers { arrays["blocks.\(l).attn.IGNORE"] = .float32(Tensor(shape: [], scalars: [-1e5])) }
        edit(&arrays)
        let path = scratch + "/model-\(UUID().uuidString).safetensors"
        try SafetensorsFile(arrays: arrays).write(to: path)
        return path
    }

    /// What `json.dump(cfg.to_dict(), f, default=str)` writes, trimmed, with `changes` applied.
    private func configFile(_ changes: [String: Any] = [:]) throws -> String {
        var fields: [String: Any] = [
            "n_layers": 2, "d_model": 16, "n_heads": 4, "d_head": 4, "d_mlp": 32, "act_fn": "gelu", "d_vocab": 11,
            "n_ctx": 6, "normalization_type": "LN", "positional_embedding_type": "standard", "attn_only": false,
            "dtype": "torch.float32", "device": "cpu", "n_key_value_heads": NSNull(), "attn_scale": 2.0, "d_vocab_out": 11,
            "eps": 1e-5, "some_future_key": ["ignored", 1],
        ]
        for (key, value) in changes { fields[key] = value }
        let path = scratch + "/config-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testConfigFileWithUnknownKeysAndStringValuesLoads() throws {
        let checkpoint = try Checkpoint.load(try stateDict(config), options: CheckpointOptions(configFile: try configFile()))
        XCTAssertEqual(checkpoint.config.model, config)
        XCTAssertEqual(checkpoint.model.parameters, Model(config: config, seed: 3).parameters)
        XCTAssertEqual(checkpoint.notes.count, 1, "\(checkpoint.notes)")
        XCTAssertTrue(checkpoint.notes[0].contains("skipped 2 non-parameter buffers"), checkpoint.notes[0])
    }

    func testMetadataConfigServesWithoutConfigFile() throws {
        let json = String(data: try Data(contentsOf: URL(fileURLWithPath: try configFile())), encoding: .utf8)!
        var arrays = [String: NDArray]()
        for (name, tensor) in Model(config: config, seed: 3).parameters.tensors { arrays[name.name] = .float32(tensor) }
        let path = scratch + "/with-metadata.safetensors"
        try SafetensorsFile(arrays: arrays, metadata: ["config": json]).write(to: path)
        XCTAssertEqual(try Checkpoint.load(path).config.model, config)
    }

    func testInferredConfigIsPrintedAndAssumesRelu() throws {
        let checkpoint = try Checkpoint.load(try stateDict(config))
        var expected = config
        expected.actFn = .relu
        XCTAssertEqual(checkpoint.config.model, expected)
        let note = try XCTUnwrap(checkpoint.notes.first { $0.contains("inferred") })
        XCTAssertTrue(note.contains("n_layers 2, d_model 16, n_heads 4, d_head 4, d_mlp 32"), note)
        XCTAssertTrue(checkpoint.notes.contains { $0.hasPrefix("ASSUMED act_fn relu") && $0.contains("--act-fn gelu") }, "\(checkpoint.notes)")
    }

    func testAttentionOnlyWithoutNormalisation() throws {
        let attnOnly = ModelConfig(nLayers: 3, dModel: 8, nHeads: 16, dHead: 2, dMLP: nil, dVocab: 5, nCtx: 4,
                                   normalization: .none, positional: .learned)
        let file = try configFile(["n_layers": 3, "d_model": 8, "n_heads": 16, "d_head": 2, "attn_only": true, "act_fn": NSNull(),
                                   "d_vocab": 5, "d_vocab_out": 5, "n_ctx": 4, "normalization_type": NSNull(), "attn_scale": 2.0.squareRoot()])
        XCTAssertEqual(try Checkpoint.load(try stateDict(attnOnly), options: CheckpointOptions(configFile: file)).config.model, attnOnly)
        XCTAssertEqual(try Checkpoint.load(try stateDict(attnOnly)).config.model, attnOnly)
    }

    /// LNPre stores no LayerNorm weights; they are ones and zeros.
    func testLNPreFillsUnitWeights() throws {
        let path = try stateDict(config) { arrays in for key in arrays.keys where key.contains("ln") { arrays[key] = nil } }
        let checkpoint = try Checkpoint.load(path, options: CheckpointOptions(configFile: try configFile(["normalization_type": "LNPre"])))
        XCTAssertEqual(checkpoint.model.parameters[.lnFinalW]?.scalars, [Float](repeating: 1, count: 16))
        XCTAssertEqual(checkpoint.model.parameters[.block(1, .ln2B)]?.scalars, [Float](repeating: 0, count: 16))
    }

    func testUnsupportedArchitectureNamesFileKeyAndWhatRuns() throws {
        let cases: [([String: Any], String)] = [
            (["act_fn": "solu_ln"], "'act_fn' is 'solu_ln'; Rederive runs only 'relu' and 'gelu'"),
            (["normalization_type": "RMS"], "'normalization_type' is 'RMS'"),
            (["positional_embedding_type": "rotary"], "'positional_embedding_type' is 'rotary'"),
            (["gated_mlp": true], "'gated_mlp'"),
            (["n_layers": 5], "'n_layers' must be 1 to 4"),
        ]
        let path = try stateDict(config)
        for (change, message) in cases {
            let file = try configFile(change)
            XCTAssertThrowsError(try Checkpoint.load(path, options: CheckpointOptions(configFile: file))) { error in
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix(file) && text.contains(message), text)
            }
        }
    }

    func testShapeMismatchAndMissingTensorNameFileAndTensor() throws {
        let mismatch = try configFile(["d_head": 8, "attn_scale": 8.0.squareRoot()])
        let path = try stateDict(config)
        XCTAssertThrowsError(try Checkpoint.load(path, options: CheckpointOptions(configFile: mismatch))) { error in
            XCTAssertEqual("\(error)", "\(path): tensor 'blocks.0.attn.W_Q' has shape [4, 16, 4], the config needs [4, 16, 8]")
        }
        let missing = try stateDict(config) { $0["blocks.1.attn.W_K"] = nil }
        XCTAssertThrowsError(try Checkpoint.load(missing, options: CheckpointOptions(configFile: try configFile()))) { error in
            XCTAssertEqual("\(error)", "\(missing): no tensor named 'blocks.1.attn.W_K', which this model config needs")
        }
        let stray = try stateDict(config) { $0["blocks.0.attn.rotary_sin"] = .float32(Tensor.zeros([2])) }
        XCTAssertThrowsError(try Checkpoint.load(stray)) { error in
            XCTAssertEqual("\(error)", "\(stray): tensor 'blocks.0.attn.rotary_sin' does not belong to this model config")
        }
        let noEmbedding = try stateDict(config) { $0["embed.W_E"] = nil }
        XCTAssertThrowsError(try Checkpoint.load(noEmbedding)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(noEmbedding): no tensor 'embed.W_E'; expected [d_vocab, d_model]"), "\(error)")
        }
    }
}
