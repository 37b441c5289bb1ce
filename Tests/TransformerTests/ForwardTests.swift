import XCTest
import Tensor
import Transformer

final class ForwardTests: XCTestCase {
    /// The fast forward agrees with the loop-based Double forward for every variant.
    func testLogitsMatchNaiveForward() {
        let variants: [ModelConfig] = [
            tinyConfig(), tinyConfig(heads: 1, mlp: nil), tinyConfig(act: .gelu),
            tinyConfig(normalization: .none), tinyConfig(positional: .learned),
        ]
        for (i, config) in variants.enumerated() {
            let model = randomizedModel(config, seed: UInt64(i))
            let b = batch(config, size: 3, seed: 1)
            let fast = model.run(b, cache: .none).logits
            let naive = naiveLogits(model, tokens: b.tokens, batch: 3, length: config.nCtx)
            XCTAssertEqual(fast.shape, [3, config.nCtx, config.dVocab])
            let worst = zip(fast.scalars, naive).map { abs(Double($0) - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "variant \(i): \(config)")
        }
    }

    /// Cached activations have TransformerLens's shapes, and a hook that rewrites an activation
    /// changes everything downstream (and nothing when it writes the value back unchanged).
    func testCacheShapesAndHooks() {
        let config = tinyConfig()
        let model = randomizedModel(config, seed: 3)
        let b = batch(config, size: 2, seed: 2)
        let plain = model.run(b, cache: .all)
        let cache = plain.cache
        XCTAssertEqual(cache[.attention(0, .q)]?.shape, [2, 6, 2, 4])
        XCTAssertEqual(cache[.pattern(1)]?.shape, [2, 2, 6, 6])
        XCTAssertEqual(cache[.attention(1, .result)]?.shape, [2, 6, 2, 8])
        XCTAssertEqual(cache[.mlp(0, .post)]?.shape, [2, 6, 12])
        XCTAssertEqual(cache[.finalScale]?.shape, [2, 6, 1])
        XCTAssertEqual(cache[.embed]?.shape, [2, 6, 8])
        // pattern rows sum to one, future masked
        let pattern = cache[.pattern(0)]!
        for row in 0..<(2 * 2 * 6) {
            let r = Array(pattern.scalars[row * 6..<(row + 1) * 6])
            XCTAssertEqual(r.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertEqual(r[(row % 6 + 1)...].reduce(0, +), 0)
        }
        // resid_post of the last layer is resid_mid + mlp_out
        let mid = cache[.residMid(1)]!, out = cache[.mlpOut(1)]!, post = cache[.residPost(1)]!
        for i in 0..<post.count { XCTAssertEqual(post.scalars[i], mid.scalars[i] + out.scalars[i], accuracy: 1e-5) }
        // Σ_h result + b_O = attn_out
        let result = cache[.attention(0, .result)]!, attnOut = cache[.attnOut(0)]!
        let bO = model.parameters[.block(0, .bO)]!
        for row in 0..<12 { for j in 0..<8 {
            let sum = result.scalars[(row * 2) * 8 + j] + result.scalars[(row * 2 + 1) * 8 + j] + bO.scalars[j]
            XCTAssertEqual(sum, attnOut.scalars[row * 8 + j], accuracy: 1e-5)
        } }
        XCTAssertEqual(model.run(b, cache: .none) { _, _ in }.logits, plain.logits)
        // Zeroing the MLP output of layer 0 changes the logits; zeroing head 0's result equals
        // removing its contribution from attn_out.
        let ablated = model.run(b, cache: .none) { name, t in
            if name == .mlpOut(0) { t = Tensor(shape: t.shape) }
        }
        XCTAssertGreaterThan(zip(ablated.logits.scalars, plain.logits.scalars).map { abs($0 - $1) }.max()!, 1e-3)
        let headless = model.run(b, cache: .hooks([.attnOut(0)])) { name, t in
            if name == .attention(0, .result) { for r in 0..<12 { for j in 0..<8 { t.scalars[(r * 2) * 8 + j] = 0 } } }
        }
        let expected = (0..<96).map { (i: Int) -> Float in
            let headZero: Int = (i / 8) * 16 + i % 8
            return attnOut.scalars[i] - result.scalars[headZero]
        }
        for i in 0..<96 { XCTAssertEqual(headless.cache[.attnOut(0)]!.scalars[i], expected[i], accuracy: 1e-5) }
    }

    /// Per-position loss: zero where masked, and the mean of the rest is the loss.
    func testLossPerPosition() {
        let config = tinyConfig()
        let model = randomizedModel(config, seed: 4)
        let b = batch(config, size: 4, seed: 3)
        let result = model.run(b, cache: .none)
        let losses = result.lossPerPosition.scalars
        for i in 0..<losses.count where b.lossMask[i] == 0 { XCTAssertEqual(losses[i], 0) }
        XCTAssertEqual(losses.reduce(0, +) / 20, result.loss, accuracy: 1e-5)
        // naive cross-entropy from the naive logits
        let naive = naiveLogits(model, tokens: b.tokens, batch: 4, length: 6)
        var total = 0.0
        for r in 0..<24 where b.lossMask[r] == 1 {
            let row = naive[r * 11..<(r + 1) * 11]
            let m = row.max()!
            total += log(row.map { exp($0 - m) }.reduce(0, +)) + m - row[r * 11 + Int(b.targets[r])]
        }
        XCTAssertEqual(Double(result.loss), total / 20, accuracy: 1e-5)
    }

    /// A runner's buffers outlive each forward: a smaller batch after a larger one (and a hooked
    /// forward before a plain one) must give exactly what a fresh `Model.run` gives.
    /// A forward resumed at a layer from the residual stream entering it (taken from a forward
    /// of a larger batch) gives the whole forward's bits, and its hooks still rewrite.
    func testResumedForwardMatchesTheWholeForward() {
        let config = ModelConfig(nLayers: 3, dModel: 16, nHeads: 2, dHead: 8, dMLP: 32, actFn: .gelu, dVocab: 11, nCtx: 7)
        let model = Model(config: config, seed: 3)
        var generator = RandomGenerator(seed: 9)
        let large = TaskKind.previousToken.task.makeBatch(batch: 9, length: 7, vocabulary: 11, generator: &generator)
        let rows = 4 * 7
        let batch = TokenBatch(batch: 4, length: 7, tokens: Array(large.tokens.prefix(rows)),
                               targets: Array(large.targets.prefix(rows)), lossMask: Array(large.lossMask.prefix(rows)))
        let streams = Set((0..<3).map { HookName.residPost($0) })
        let clean = model.run(large, cache: .hooks(streams))
        let runner = ForwardRunner(model: model, capacity: 4, length: 7)
        let whole = runner.run(batch, cache: .none)
        for layer in 1...3 {
            let entering = clean.cache[.residPost(layer - 1)]!
            let residual = Tensor(shape: [4, 7, 16], scalars: Array(entering.scalars.prefix(rows * 16)))
            let resumed = runner.run(batch, resuming: (layer, residual), cache: .none)
            XCTAssertEqual(resumed.logits.scalars.map(\.bitPattern), whole.logits.scalars.map(\.bitPattern), "layer \(layer)")
            XCTAssertEqual(resumed.loss.bitPattern, whole.loss.bitPattern, "layer \(layer)")
        }
        // A hook in the resumed layers still runs: zeroing the last MLP's output changes the logits.
        let hooked = runner.run(batch, resuming: (2, Tensor(shape: [4, 7, 16], scalars: Array(clean.cache[.residPost(1)]!.scalars.prefix(rows * 16)))),
                                cache: .none, hooking: [.mlpOut(2)]) { _, activation in
            activation = Tensor(shape: activation.shape, repeating: 0)
        }
        XCTAssertNotEqual(hooked.logits, whole.logits)
    }

    func testRunnerReusingItsBuffersMatchesFreshForwards() {
        let config = tinyConfig()
        let model = randomizedModel(config, seed: 5)
        let large = batch(config, size: 5, seed: 6), small = batch(config, size: 2, seed: 7)
        let runner = ForwardRunner(model: model, capacity: 5, length: config.nCtx)
        let zeroed = runner.run(large, cache: .none) { name, t in
            if name == .mlpOut(0) { t = Tensor(shape: t.shape) }
        }
        XCTAssertNotEqual(zeroed.logits, model.run(large, cache: .none).logits, "the hook had an effect")
        let reused = runner.run(small, cache: .all)
        let fresh = model.run(small, cache: .all)
        XCTAssertEqual(reused.logits, fresh.logits)
        XCTAssertEqual(reused.lossPerPosition, fresh.lossPerPosition)
        XCTAssertEqual(reused.loss, fresh.loss)
        XCTAssertEqual(reused.cache, fresh.cache)
        XCTAssertEqual(runner.run(large, cache: .none).logits, model.run(large, cache: .none).logits)
    }
}
