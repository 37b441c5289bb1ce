import Transformer
import XCTest

/// Parameter names are TransformerLens's state-dict names, in its order, and read back.
final class WeightNameTests: XCTestCase {
    func testLayoutIsTheStateDictInOrder() {
        let config = ModelConfig(nLayers: 1, dModel: 8, nHeads: 2, dHead: 4, dMLP: 16, dVocab: 10, nCtx: 6)
        XCTAssertEqual(ParameterLayout(config: config).entries.map(\.name.name), [
            "embed.W_E", "pos_embed.W_pos",
            "blocks.0.ln1.w", "blocks.0.ln1.b", "blocks.0.attn.W_Q", "blocks.0.attn.W_K", "blocks.0.attn.W_V", "blocks.0.attn.W_O",
            "blocks.0.attn.b_Q", "blocks.0.attn.b_K", "blocks.0.attn.b_V", "blocks.0.attn.b_O", "blocks.0.ln2.w", "blocks.0.ln2.b",
            "blocks.0.mlp.W_in", "blocks.0.mlp.b_in", "blocks.0.mlp.W_out", "blocks.0.mlp.b_out",
            "ln_final.w", "ln_final.b", "unembed.W_U", "unembed.b_U",
        ])
    }

    func testParsingGivesTheCaseBackAndRefusesOtherText() {
        let config = ModelConfig(nLayers: 12, dModel: 8, nHeads: 2, dHead: 4, dMLP: 16, dVocab: 10, nCtx: 6)
        for entry in ParameterLayout(config: config).entries {
            XCTAssertEqual(WeightName(parsing: entry.name.name), entry.name, entry.name.name)
        }
        for bad in ["", "W_E", "embed", "blocks.0.attn.mask", "blocks.0.attn.IGNORE", "blocks.x.ln1.w", "blocks.01.ln1.w",
                    "blocks.-1.ln1.w", "m.embed.W_E", "blocks.0.embed.W_E", "ln_final.W"] {
            XCTAssertNil(WeightName(parsing: bad), bad)
        }
    }

    /// Initialisation reads the kind of each parameter from its name's case.
    func testKinds() {
        XCTAssertTrue(WeightName.block(0, .wIn).isMatrix)
        XCTAssertFalse(WeightName.block(0, .bIn).isMatrix)
        XCTAssertTrue(WeightName.posEmbed.isMatrix)
        XCTAssertTrue(WeightName.lnFinalB.isLayerNorm)
        XCTAssertFalse(WeightName.lnFinalB.isLayerNormWeight)
        XCTAssertTrue(WeightName.block(3, .ln2W).isLayerNormWeight)
        XCTAssertFalse(WeightName.unembedBias.isLayerNorm)
    }
}
