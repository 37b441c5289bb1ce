import Foundation
import XCTest
import Tensor
import Transformer

final class ConfigTests: XCTestCase {
    func testStudyYAMLMatchesStudy() throws {
        let yaml = """
            n_layers: 2
            d_model: 64
            n_heads: 1
            d_head: 64
            d_mlp: 256
            act_fn: relu
            d_vocab: 300
            n_ctx: 50
            normalization: LN
            positional: none
            task: previous_token
            batch: 256
            steps: 4000
            lr: 1e-4
            betas: [0.9, 0.95]
            weight_decay: 0.1
            grad_clip: 1.0
            warmup_steps: 100
            seed: 0
            checkpoint_every: 500
            log_every: 100
            """
        XCTAssertEqual(try ConfigLoader.load(yaml: yaml, source: "study.yaml"), .study)
    }

    func testAttentionOnlyAndTasks() throws {
        let config = try ConfigLoader.load(yaml: "d_mlp: null\ntask: 'k_back:3'\nbatch: 8\n", source: "x.yaml")
        XCTAssertNil(config.model.dMLP)
        XCTAssertEqual(config.task, .kBack(3))
        XCTAssertEqual(config.evalBatch, 8)
        XCTAssertTrue(config.json.contains("\"d_mlp\": null"))
    }

    func testErrorsNameTheLineAndTheFix() {
        func error(_ yaml: String) -> ConfigError? {
            do { _ = try ConfigLoader.load(yaml: yaml, source: "bad.yaml"); return nil } catch { return error }
        }
        let unknown = error("n_layers: 2\nlearning_rate: 0.1\n")
        XCTAssertEqual(unknown?.line, 2)
        XCTAssertTrue(unknown?.description.hasPrefix("bad.yaml:2: unknown key 'learning_rate'") ?? false, "\(String(describing: unknown))")
        let badType = error("d_model: sixty-four\n")
        XCTAssertEqual(badType?.line, 1)
        XCTAssertTrue(badType?.message.contains("integer") ?? false)
        XCTAssertTrue(error("act_fn: swish\n")?.message.contains("'relu', 'gelu'") ?? false)
        XCTAssertNotNil(error("betas: [0.9]\n"))
        XCTAssertNotNil(error("task: induction\n"))
        XCTAssertNotNil(error("n_ctx: 4\ntask: 'k_back:4'\n"))
        XCTAssertNotNil(error("- a list\n"))
    }

    /// `steps: 0` trained nothing and printed "loss nan" with exit 0; now it is an error.
    func testZeroStepsIsAnError() {
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "steps: 0\n", source: "zero.yaml")) { error in
            XCTAssertEqual("\(error)", "zero.yaml:1: 'steps' must be an integer >= 1, got 0")
        }
    }

    /// `d_head` defaulted to 64 whatever `d_model` and `n_heads` said.
    func testHeadWidthDefaultsToModelWidthOverHeads() throws {
        XCTAssertEqual(try ConfigLoader.load(yaml: "d_model: 32\nn_heads: 4\n", source: "x.yaml").model.dHead, 8)
        XCTAssertEqual(try ConfigLoader.load(yaml: "d_model: 32\nn_heads: 4\nd_head: 16\n", source: "x.yaml").model.dHead, 16)
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "d_model: 30\nn_heads: 4\n", source: "odd.yaml")) { error in
            XCTAssertEqual("\(error)", "odd.yaml: d_model 30 is not a multiple of n_heads 4; change one of them, or set d_head explicitly")
        }
    }

    func testScheduleWarmsUpThenHoldsOrDecays() {
        let constant = LearningRateSchedule(base: 1e-3, warmupSteps: 100, totalSteps: 1000)
        XCTAssertEqual(constant.rate(at: 0), 1e-5, accuracy: 1e-12)
        XCTAssertEqual(constant.rate(at: 49), 5e-4, accuracy: 1e-9)
        XCTAssertEqual(constant.rate(at: 99), 1e-3)
        XCTAssertEqual(constant.rate(at: 999), 1e-3)
        let cosine = LearningRateSchedule(base: 1e-3, warmupSteps: 100, totalSteps: 1000, shape: .cosine)
        XCTAssertEqual(cosine.rate(at: 99), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(cosine.rate(at: 549), 5e-4, accuracy: 1e-6)
        XCTAssertEqual(cosine.rate(at: 999), 0, accuracy: 1e-9)
    }

    func testTasksTargetsAndMasks() {
        var generator = RandomGenerator(seed: 1)
        let batch = KBackTask(k: 2).makeBatch(batch: 3, length: 6, vocabulary: 10, generator: &generator)
        for b in 0..<3 {
            XCTAssertEqual(batch.tokens[b * 6], 0, "BOS first")
            for t in 1..<6 { XCTAssertTrue((1..<10).contains(batch.tokens[b * 6 + t])) }
            for t in 0..<6 {
                XCTAssertEqual(batch.lossMask[b * 6 + t], t >= 2 ? 1 : 0)
                if t >= 2 { XCTAssertEqual(batch.targets[b * 6 + t], batch.tokens[b * 6 + t - 2]) }
            }
        }
        var g1 = RandomGenerator(seed: 4), g2 = RandomGenerator(seed: 4)
        XCTAssertEqual(PreviousTokenTask().makeBatch(batch: 2, length: 5, vocabulary: 7, generator: &g1),
                       KBackTask(k: 1).makeBatch(batch: 2, length: 5, vocabulary: 7, generator: &g2))
    }
}

/// The reference page lists every key (docs/training-config.md), and TransformerLens's names
/// read as Rederive's.
final class ConfigReferenceTests: XCTestCase {
    func testTheReferencePageListsEveryKey() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/training-config.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        for key in ConfigLoader.knownKeys { XCTAssertTrue(text.contains("| `\(key)` |"), "docs/training-config.md lacks \(key)") }
    }

    func testTransformerLensNamesAndMisspellings() throws {
        let config = try ConfigLoader.load(yaml: "normalization_type: None\nattn_only: true\npositional_embedding_type: standard\n", source: "c.yaml")
        XCTAssertEqual(config.model.normalization, .none)
        XCTAssertNil(config.model.dMLP)
        XCTAssertEqual(config.model.positional, .learned)
        XCTAssertNotNil(try ConfigLoader.load(yaml: "attn_only: false\n", source: "c.yaml").model.dMLP)
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "n_layrs: 1\n", source: "c.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("c.yaml:1: unknown key 'n_layrs'; did you mean 'n_layers'? known keys:"), "\(error)")
        }
        XCTAssertThrowsError(try ConfigLoader.load(yaml: "act_fn: gelu_new\n", source: "c.yaml")) { error in
            XCTAssertTrue("\(error)".contains("'gelu_new' is an approximation Rederive does not run"), "\(error)")
        }
    }

    /// A billion laughs in a training config is refused at the alias that crosses the limit,
    /// at once, as in a pipeline file (`YAMLAliasGuard`).
    func testAnAliasBombIsRefusedAtItsLine() throws {
        var yaml = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 { yaml += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let start = Date()
        XCTAssertThrowsError(try ConfigLoader.load(yaml: yaml, source: "bomb.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("bomb.yaml:6: the YAML has aliases that expand to more than 1,000,000 nodes"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testTrainSaysWhichValuesAreDefaultsAndHowManyCheckpoints() throws {
        let (config, given) = try ConfigLoader.loadNotingDefaults(yaml: "n_layers: 1\nsteps: 3000\ncheckpoint_every: 20\n", source: "c.yaml")
        let echo = ConfigEcho(config, given: given, source: "c.yaml")
        XCTAssertEqual(echo.info.first, "config c.yaml: n_layers 1, steps 3000, checkpoint_every 20")
        XCTAssertTrue(echo.info.contains { $0.hasPrefix("this run writes 151 checkpoints") }, "\(echo.info)")
        XCTAssertEqual(echo.warnings, ["c.yaml leaves out d_model, n_heads, d_mlp, d_vocab, n_ctx, batch; using the original study's "
            + "d_model 64, n_heads 1, d_mlp 256, d_vocab 300, n_ctx 50, batch 256 (docs/training-config.md lists every key)"])
    }
}
