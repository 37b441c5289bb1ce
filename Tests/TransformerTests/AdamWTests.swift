import XCTest
import Foundation
import Tensor
import Transformer

/// AdamW against values computed by hand from torch.optim.AdamW's update rule.
final class AdamWTests: XCTestCase {
    func testMatchesTorchUpdateRule() {
        let config = ModelConfig(nLayers: 1, dModel: 2, nHeads: 1, dHead: 1, dMLP: nil, dVocab: 2, nCtx: 2)
        let layout = ParameterLayout(config: config)
        var optimizer = AdamW(layout: layout, betas: (0.9, 0.95), weightDecay: 0.1)
        var p = [Float](repeating: 0.5, count: layout.totalCount)
        let g = [Float](repeating: 0.2, count: layout.totalCount)
        // Double-precision reference of two steps for one coordinate.
        var (pr, m, v) = (0.5, 0.0, 0.0)
        for t in 1...2 {
            optimizer.update(&p, gradient: g, lr: 0.01)
            pr *= 1 - 0.01 * 0.1
            m = 0.9 * m + 0.1 * 0.2
            v = 0.95 * v + 0.05 * 0.04
            let denominator = (v.squareRoot() / (1 - pow(0.95, Double(t))).squareRoot()) + 1e-8
            pr -= 0.01 / (1 - pow(0.9, Double(t))) * m / denominator
        }
        let wE = layout.entry(.embed)!.offset, wPos = layout.entry(.posEmbed)!.offset
        XCTAssertEqual(Double(p[wE]), pr, accuracy: 1e-6)
        XCTAssertEqual(p[wPos], 0.5, "frozen W_pos is not touched, not even decayed")
        XCTAssertEqual(optimizer.step, 2)
    }

    func testClippingScalesToMaxNorm() {
        var g: [Float] = [3, 4, 100]
        let norm = GradientClipping.clip(&g, ranges: [0..<2], maxNorm: 1)
        XCTAssertEqual(norm, 5)
        XCTAssertEqual(g[0], 0.6, accuracy: 1e-5)
        XCTAssertEqual(g[1], 0.8, accuracy: 1e-5)
        XCTAssertEqual(g[2], 100, "outside the ranges")
        var small: [Float] = [0.3, 0.4]
        GradientClipping.clip(&small, ranges: [0..<2], maxNorm: 1)
        XCTAssertEqual(small, [0.3, 0.4])
    }
}
