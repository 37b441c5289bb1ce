import XCTest
import Tensor
import Transformer

/// The hand-written backward against central finite differences of the loss, for every
/// parameter tensor of several variants.
final class GradientTests: XCTestCase {
    func check(_ config: ModelConfig, seed: UInt64, h: Float = 8e-3, file: StaticString = #filePath, line: UInt = #line) {
        let model = randomizedModel(config, seed: seed)
        let b = batch(config, size: 8, seed: seed)
        let (_, gradient) = model.lossAndGradient(on: b)
        var probe = RandomGenerator(seed: seed, stream: 7)
                for entry in model.parameters.layout.entries {
            if !entry.trainable {
                XCTAssertTrue(gradient[entry.offset..<entry.offset + entry.count].allSatisfy { $0 == 0 },
                              "\(entry.name) is frozen", file: file, line: line)
                continue
            }
            // b_K cannot change the loss (it adds q·b_K to every score of a query row, which the
            // softmax ignores): its gradient must be zero.
            if case .block(_, .bK) = entry.name {
                let worst = gradient[entry.offset..<entry.offset + entry.count].map { abs($0) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-6, "\(entry.name)", file: file, line: line)
                continue
            }
            // up to 8 entries per tensor, chosen at random. Each is differenced with steps h and
            // h/2; where the two disagree the loss is not smooth there (a ReLU kink) or too flat
            // for Float32, and the entry is skipped.
            let picks = (0..<min(8, entry.count)).map { _ in entry.offset + probe.nextInt(below: entry.count) }
            var numeric: [Double] = [], analytic: [Double] = []
            func difference(_ i: Int, _ step: Float) -> Double {
                var plus = model, minus = model
                plus.parameters.storage[i] += step
                minus.parameters.storage[i] -= step
                let lp = meanLoss(plus.run(b, cache: .none)), lm = meanLoss(minus.run(b, cache: .none))
                return (lp - lm) / Double(2 * step)
            }
            for i in picks {
                let coarse = difference(i, h), fine = difference(i, h / 2)
                guard abs(coarse - fine) <= 0.05 * max(abs(coarse), abs(fine)) + 2e-4 else { continue }
                numeric.append(fine)
                analytic.append(Double(gradient[i]))
            }
            XCTAssertGreaterThanOrEqual(numeric.count, picks.count / 2, "\(entry.name): too many kinks", file: file, line: line)
            let error = zip(numeric, analytic).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let scale = max(analytic.map { $0 * $0 }.reduce(0, +).squareRoot(), numeric.map { $0 * $0 }.reduce(0, +).squareRoot())
            XCTAssertGreaterThan(scale, 1e-5, "\(entry.name): gradient unexpectedly zero", file: file, line: line)
            XCTAssertLessThan(error / max(scale, 1e-3), 2e-2,
                              "\(entry.name): analytic \(analytic.prefix(4)) vs numeric \(numeric.prefix(4))",
                              file: file, line: line)
        }
    }

    /// The loss summed in Double from the per-position losses: less rounding than the Float mean.
    func meanLoss(_ result: Model.ForwardResult) -> Double {
        result.lossPerPosition.scalars.reduce(0.0) { $0 + Double($1) } / Double(8 * 5)
    }

    /// ReLU kinks make the loss rough at large steps, so a smaller step here.
    func testStudyShape() { check(tinyConfig(heads: 1), seed: 1, h: 2e-3) }
    func testMultiHeadGELU() { check(tinyConfig(heads: 2, act: .gelu), seed: 2) }
    func testAttentionOnly() { check(tinyConfig(heads: 2, mlp: nil), seed: 3) }
    func testNoLayerNormLearnedPositions() { check(tinyConfig(normalization: .none, positional: .learned), seed: 4) }
}
