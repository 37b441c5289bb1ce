import Transformer
import XCTest

/// Hook points are spelt exactly as TransformerLens spells them, and read back.
final class HookNameTests: XCTestCase {
    func testNamesAreTransformerLensNames() {
        XCTAssertEqual(HookName.embed.name, "hook_embed")
        XCTAssertEqual(HookName.posEmbed.name, "hook_pos_embed")
        XCTAssertEqual(HookName.residPost(1).name, "blocks.1.hook_resid_post")
        XCTAssertEqual(HookName.pattern(0).name, "blocks.0.attn.hook_pattern")
        XCTAssertEqual(HookName.attention(2, .attnScores).name, "blocks.2.attn.hook_attn_scores")
        XCTAssertEqual(HookName.mlp(1, .post).name, "blocks.1.mlp.hook_post")
        XCTAssertEqual(HookName.layerNorm(.ln2(0), .scale).name, "blocks.0.ln2.hook_scale")
        XCTAssertEqual(HookName.layerNorm(.ln1(3), .normalized).name, "blocks.3.ln1.hook_normalized")
        XCTAssertEqual(HookName.finalScale.name, "ln_final.hook_scale")
    }

    func testParsingGivesTheCaseBackAndRefusesOtherText() throws {
        for name in ["hook_embed", "blocks.3.hook_resid_mid", "blocks.0.attn.hook_result", "ln_final.hook_scale"] {
            XCTAssertEqual(try XCTUnwrap(HookName(parsing: name)).name, name)
        }
        let hook = try XCTUnwrap(HookName(parsing: "blocks.2.mlp.hook_pre"))
        XCTAssertEqual(hook, .mlp(2, .pre))
        XCTAssertEqual(hook.layer, 2)
        XCTAssertEqual(hook.point, "pre")
        for bad in ["", "embed", "blocks.x.hook_resid_pre", "blocks.0", "blocks.0.attn.z.hook_q", "blocks.-1.hook_resid_pre", "hook_",
                    "blocks.01.hook_resid_pre", "blocks.0.attn.hook_nothing", "blocks.0.hook_embed", "ln_final.hook_pre", "hook_resid_pre"] {
            XCTAssertNil(HookName(parsing: bad), bad)
        }
    }

    /// Every hook point the forward fills has a case whose text reads back to it.
    func testEveryCachedHookRoundTrips() {
        let config = ModelConfig(nLayers: 2, dModel: 8, nHeads: 2, dHead: 4, dMLP: 16, dVocab: 10, nCtx: 6, positional: .learned)
        let batch = TokenBatch(tokens: [0, 3, 4, 5, 6, 7], batch: 1, length: 6)
        let cache = Model(config: config, seed: 1).run(batch, cache: .all).cache
        XCTAssertEqual(cache.count, 2 + 2 * 18 + 2)   // the embeddings; 18 points per block; ln_final's two
        for hook in cache.keys { XCTAssertEqual(HookName(parsing: hook.name), hook, hook.name) }
        XCTAssertEqual(HookName.embed.firstLayer(nLayers: 2), 0)
        XCTAssertEqual(HookName.attention(1, .q).firstLayer(nLayers: 2), 1)
        XCTAssertEqual(HookName.finalScale.firstLayer(nLayers: 2), 2)
    }

    /// The residual streams are the hook points the forward fills, in forward order.
    func testResidualStreamsAreCachedByTheForward() {
        var config = ModelConfig(nLayers: 2, dModel: 8, nHeads: 1, dHead: 8, dMLP: 16, dVocab: 10, nCtx: 6)
        XCTAssertEqual(HookName.residualStreams(config).map(\.name),
                       ["blocks.0.hook_resid_pre", "blocks.0.hook_resid_mid", "blocks.0.hook_resid_post",
                        "blocks.1.hook_resid_mid", "blocks.1.hook_resid_post"])
        let batch = TokenBatch(tokens: [0, 3, 4, 5, 6, 7], batch: 1, length: 6)
        let result = Model(config: config, seed: 1).run(batch, cache: .hooks(Set(HookName.residualStreams(config))))
        XCTAssertEqual(Set(result.cache.keys), Set(HookName.residualStreams(config)))
        XCTAssertEqual(result.cache[.residPost(1)]?.shape, [1, 6, 8])
        config.dMLP = nil
        XCTAssertEqual(HookName.residualStreams(config).map(\.name),
                       ["blocks.0.hook_resid_pre", "blocks.0.hook_resid_post", "blocks.1.hook_resid_post"])
    }
}
