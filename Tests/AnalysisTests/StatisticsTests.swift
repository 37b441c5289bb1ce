import XCTest
import Analysis
import Tensor

/// The analysis' statistics on inputs whose answers are known by construction.
final class StatisticsTests: XCTestCase {
    func testPCARecoversKnownCovariance() throws {
        // Points drawn as z · diag(3, 2, 0.5) rotated by 45° in the first two axes: variances
        // 9, 4, 0.25 along known directions.
        var rng = RandomGenerator(seed: 21)
        let n = 20_000
        let c = Float(0.5).squareRoot()
        var scalars = [Float]()
        for _ in 0..<n {
            let (a, b, z) = (3 * rng.nextNormal(), 2 * rng.nextNormal(), 0.5 * rng.nextNormal())
            scalars += [c * a - c * b + 1, c * a + c * b - 2, z + 5]
        }
        let pca = try PrincipalComponents(points: Tensor(shape: [n, 3], scalars: scalars), k: 3)
        XCTAssertEqual(pca.variances[0], 9, accuracy: 0.3)
        XCTAssertEqual(pca.variances[1], 4, accuracy: 0.15)
        XCTAssertEqual(pca.variances[2], 0.25, accuracy: 0.02)
        XCTAssertEqual(pca.explainedVarianceRatio.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertEqual(pca.explainedVarianceRatio[0], 9 / 13.25, accuracy: 0.02)
        // First component along (1, 1, 0)/√2, sign fixed so the largest coordinate is positive.
        XCTAssertEqual(pca.components[0, 0], c, accuracy: 0.02)
        XCTAssertEqual(pca.components[0, 1], c, accuracy: 0.02)
        XCTAssertEqual(pca.mean[2], 5, accuracy: 0.02)
        let projected = pca.project(Tensor(shape: [1, 3], scalars: [pca.mean[0], pca.mean[1], pca.mean[2]]))
        XCTAssertEqual(projected.scalars.map { abs($0) }.max()!, 0, accuracy: 1e-5)
    }

    /// A residual stream that is a one-hot of the position (plus noise in other dimensions).
    private func oneHotPositions(sequences: Int, positions: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = RandomGenerator(seed: seed)
        let d = positions + 4
        var scalars = [Float](), labels = [Int]()
        for _ in 0..<sequences {
            for p in 0..<positions {
                var row = [Float](repeating: 0, count: d)
                row[p] = 1
                for j in positions..<d { row[j] = rng.nextNormal() }
                scalars += row
                labels.append(p)
            }
        }
        return (Tensor(shape: [sequences * positions, d], scalars: scalars), labels)
    }

    func testOneHotPositionIsProbedPerfectly() throws {
        let (train, trainLabels) = oneHotPositions(sequences: 20, positions: 10, seed: 1)
        let (test, testLabels) = oneHotPositions(sequences: 10, positions: 10, seed: 2)
        let probe = try LogisticProbe(features: train, labels: trainLabels, classCount: 10)
        let accuracy = probe.accuracy(features: test, labels: testLabels)
        XCTAssertEqual(accuracy.exact, 1)
        XCTAssertEqual(accuracy.withinTolerance, 1)

        let ridge = try RidgeProbe(features: train, targets: trainLabels.map(Float.init))
        XCTAssertEqual(ridge.rSquared(features: test, targets: testLabels.map(Float.init)), 1, accuracy: 1e-3)
    }

    func testProbesOnPureNoiseScoreNearChance() throws {
        var rng = RandomGenerator(seed: 9)
        let features = rng.normalTensor(shape: [2000, 8]), test = rng.normalTensor(shape: [2000, 8])
        let labels = (0..<2000).map { $0 % 10 }
        let probe = try LogisticProbe(features: features, labels: labels, classCount: 10)
        XCTAssertLessThan(probe.accuracy(features: test, labels: labels).exact, 0.2)
        let ridge = try RidgeProbe(features: features, targets: labels.map(Float.init))
        XCTAssertLessThan(ridge.rSquared(features: test, targets: labels.map(Float.init)), 0.05)
    }

    func testProbesRejectMismatchedInput() {
        XCTAssertThrowsError(try RidgeProbe(features: Tensor.zeros([3, 2]), targets: [1, 2])) { error in
            XCTAssertEqual((error as? AnalysisError)?.description, "ridge probe: features [3, 2] do not match 2 targets")
        }
        XCTAssertThrowsError(try LogisticProbe(features: Tensor.zeros([2, 2]), labels: [0, 5], classCount: 3))
    }

    func testPreviousTokenPatternScoresOne() {
        let n = 6
        let pattern = Tensor(shape: [n, n], generating: { index in
            let (q, k) = (index / n, index % n)
            return (q == 0 && k == 0) || (q > 0 && k == q - 1) ? 1 : 0
        })
        let scores = AttentionScores(meanPattern: pattern)
        XCTAssertEqual(scores.previousToken, 1)
        XCTAssertEqual(scores.currentToken, 0)
        XCTAssertEqual(scores.bos, 1.0 / 5)   // only query 1's previous token is BOS
    }

    func testBOSFitRecoversA() throws {
        let a = 8.0
        let attention = (0..<50).map { Float(a / (a + Double($0))) }
        let fit = try BOSAttentionFit(bosAttention: attention)
        XCTAssertEqual(fit.a, a, accuracy: 1e-3)
        XCTAssertEqual(fit.rmse, 0, accuracy: 1e-6)
    }

    /// Non-finite data make the fits stop with a typed error naming what did not converge.
    func testFitsRefuseNonFiniteData() {
        XCTAssertThrowsError(try BOSAttentionFit(bosAttention: [1, 0.5, .nan])) { error in
            XCTAssertEqual("\(error)", "the fit of attention to BOS by a/(a + i) did not converge in 0 iterations: "
                           + "the attention at position 2 is nan; check that the checkpoint is from a run that trained normally")
        }
        let features = Tensor(shape: [4, 2], scalars: [0, 1, 2, 3, 4, .infinity, 6, 7])
        XCTAssertThrowsError(try LogisticProbe(features: features, labels: [0, 1, 0, 1], classCount: 2)) { error in
            XCTAssertEqual("\(error)", "logistic probe: feature [2, 1] is inf; the activations are not finite")
        }
    }

    func testCompositionOfOrthogonalFactorsIsZero() {
        // A writes only into the first two dimensions; B reads only the last two.
        let a = Tensor(shape: [4, 4], generating: { $0 % 4 < 2 ? Float($0 + 1) : 0 })
        let b = Tensor(shape: [4, 4], generating: { $0 / 4 >= 2 ? Float($0 + 1) : 0 })
        XCTAssertEqual(CompositionScore.score(a, b), 0)
        // A factor composed with itself along one direction scores 1.
        let e = Tensor(shape: [2, 2], scalars: [1, 0, 0, 0])
        XCTAssertEqual(CompositionScore.score(e, e), 1, accuracy: 1e-12)
        XCTAssertEqual(CompositionScore.score(.k, earlierOV: a, laterQK: b.transposed(), laterOV: b), 0)
    }
}
