import XCTest
import Analysis
import Tensor
import Transformer

final class WeightCircuitsTests: XCTestCase {
    func testSingularValuesFromFactorsMatchTheFullProduct() throws {
        var rng = RandomGenerator(seed: 31)
        let left = rng.normalTensor(shape: [40, 6]), right = rng.normalTensor(shape: [30, 6])
        let fromFactors = try WeightCircuits.singularValuesOfProduct(left: left, right: right)
        let full = try LinearAlgebra.svd(left.matmul(right, transposeOther: true)).singularValues
        XCTAssertEqual(fromFactors.count, 6)
        for i in 0..<6 { XCTAssertEqual(fromFactors[i], full[i], accuracy: 1e-3 * full[0]) }
        XCTAssertLessThan(full[6], 1e-3 * full[0], "the full product has rank 6")
    }

    /// One definition of "the share of tokens an OV circuit copies" (issue #25): BOS (token 0)
    /// is neither a source nor a rival. Here BOS's column would win every row, and row 0 would
    /// count as a copy, if it were either.
    func testCopyingShareLeavesBOSAside() {
        let ov = Tensor(shape: [4, 4], scalars: [
            9, 0, 0, 0,   // BOS
            9, 5, 1, 1,   // token 1 copies
            9, 1, 5, 1,   // token 2 copies
            9, 1, 6, 5,   // token 3 ranks token 2 first
        ])
        let copying = WeightCircuits.copyingShare(ovTokens: ov)
        XCTAssertEqual(copying.share, 2.0 / 3.0)
        XCTAssertEqual(copying.chance, 1.0 / 3.0)
    }

    func testLayerNormOfRows() {
        let x = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, -2, -2, 2, 2])
        let y = WeightCircuits.layerNorm(x, weight: Tensor(shape: [4], repeating: 2), bias: Tensor(shape: [4], repeating: 1))
        // Row 2: mean 0, variance 4 -> ±1 (up to eps), times 2 plus 1.
        XCTAssertEqual(y[1, 0], -1, accuracy: 1e-5)
        XCTAssertEqual(y[1, 3], 3, accuracy: 1e-5)
        XCTAssertEqual(y[0, 0] + y[0, 3], 2, accuracy: 1e-5)
    }

    /// A hand-built one-layer, one-head model whose QK circuit is known.
    func testQKCircuitOfHandBuiltHead() throws {
        let (v, d) = (3, 2)
        var weights: [WeightName: Tensor] = [
            .embed: Tensor(shape: [v, d], scalars: [1, 0, 0, 1, 1, 1]),
            .block(0, .wQ): Tensor(shape: [1, d, d], scalars: [1, 0, 0, 1]),
            .block(0, .wK): Tensor(shape: [1, d, d], scalars: [2, 0, 0, 0]),
            .block(0, .wV): Tensor(shape: [1, d, d], scalars: [1, 0, 0, 1]),
            .block(0, .wO): Tensor(shape: [1, d, d], scalars: [0, 1, 1, 0]),
            .unembed: Tensor(shape: [d, v], scalars: [1, 0, 0, 0, 1, 0]),
        ]
        let circuits = WeightCircuits(weights: CheckpointWeights(weights, path: "hand-built.safetensors"), nLayers: 1, nHeads: 1, dHead: d, layerNorm: false)
        // E W_Q W_Kᵀ Eᵀ = E diag(2, 0) Eᵀ: entry (i, j) = 2 E[i,0] E[j,0].
        XCTAssertEqual(try circuits.qkTokens(layer: 0, head: 0).scalars, [2, 0, 2, 0, 0, 0, 2, 0, 2])
        // E W_V W_O swaps the two coordinates; W_U reads them as tokens 0 and 1.
        XCTAssertEqual(try circuits.ovTokens(layer: 0, head: 0).matrix.scalars, [0, 1, 0, 1, 0, 0, 1, 1, 0])
        weights[.embed] = nil
        let broken = WeightCircuits(weights: CheckpointWeights(weights, path: "hand-built.safetensors"), nLayers: 1, nHeads: 1, dHead: d, layerNorm: false)
        XCTAssertThrowsError(try broken.qkTokens(layer: 0, head: 0)) { error in
            XCTAssertEqual((error as? AnalysisError)?.description, "hand-built.safetensors: no tensor 'embed.W_E', which this analysis needs")
        }
    }
}
