import Transformer
import XCTest

/// Hook names are written from their parts exactly as TransformerLens writes them, and read back.
final class HookNameTests: XCTestCase {
    func testNamesAreTransformerLensNames() {
        XCTAssertEqual(HookName.embed.name, "hook_embed")
        XCTAssertEqual(HookName.posEmbed.name, "hook_pos_embed")
        XCTAssertEqual(HookName.residPost(1).name, "blocks.1.hook_resid_post")
        XCTAssertEqual(HookName.pattern(0).name, "blocks.0.attn.hook_pattern")
        XCTAssertEqual(HookName.mlp(1, "post").name, "blocks.1.mlp.hook_post")
        XCTAssertEqual(HookName.lnScale(0, ln: 2).name, "blocks.0.ln2.hook_scale")
        XCTAssertEqual(HookName.finalScale.name, "ln_final.hook_scale")
    }

    func testParsingGivesThePartsBackAndRefusesOtherText() throws {
        for name in ["hook_embed", "blocks.3.hook_resid_mid", "blocks.0.attn.hook_result", "ln_final.hook_scale"] {
            XCTAssertEqual(try XCTUnwrap(HookName(parsing: name)).name, name)
        }
        let hook = try XCTUnwrap(HookName(parsing: "blocks.2.mlp.hook_pre"))
        XCTAssertEqual(hook.layer, 2)
        XCTAssertEqual(hook.module, "mlp")
        XCTAssertEqual(hook.point, "pre")
        for bad in ["", "embed", "blocks.x.hook_resid_pre", "blocks.0", "blocks.0.attn.z.hook_q", "blocks.-1.hook_resid_pre", "hook_"] {
            XCTAssertNil(HookName(parsing: bad), bad)
        }
    }

    /// The residual streams are the hook points the forward fills, in forward order.
    func testResidualStreamsAreCachedByTheForward() {
        var config = ModelConfig(nLayers: 2, dModel: 8, nHeads: 1, dHead: 8, dMLP: 16, dVocab: 10, nCtx: 6)
        XCTAssertEqual(HookName.residualStreams(config).map(\.name),
                       ["blocks.0.hook_resid_pre", "blocks.0.hook_resid_mid", "blocks.0.hook_resid_post",
                        "blocks.1.hook_resid_mid", "blocks.1.hook_resid_post"])
        let batch = TokenBatch(tokens: [0, 3, 4, 5, 6, 7], batch: 1, length: 6)
        let result = Model(config: config, seed: 1).run(batch, cache: .hooks(HookName.residualStreams(config)))
        XCTAssertEqual(Set(result.cache.keys), Set(HookName.residualStreams(config).map(\.name)))
        XCTAssertEqual(result[HookName.residPost(1)]?.shape, [1, 6, 8])
        config.dMLP = nil
        XCTAssertEqual(HookName.residualStreams(config).map(\.name),
                       ["blocks.0.hook_resid_pre", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post"])
    }
}
