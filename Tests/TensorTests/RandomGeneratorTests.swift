import XCTest
import Tensor

final class RandomGeneratorTests: XCTestCase {
    /// NumPy's PCG64 given the same raw state gives the same words (see Fixtures/make_fixtures.py).
    func testRawOutputsMatchNumPyPCG64() {
        var rng = RandomGenerator(rawState: [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210,
                                             0x0000_0000_0000_0001, 0xDA3E_39CB_94B9_5BDB])
        XCTAssertEqual((0..<4).map { _ in rng.nextUInt64() },
                       [0x2168_5237_4E5F_A267, 0x0BDB_97FC_EE91_2604, 0x298D_528D_DEAC_DECB, 0xDB36_1A07_FACB_CB7B])
    }

    /// Pinned values: these must never change, or every checkpoint and figure changes.
    func testSeededStreamIsPinned() {
        var rng = RandomGenerator(seed: 0)
        XCTAssertEqual((0..<3).map { _ in rng.nextUInt64() }, PinnedValues.seed0Words)
        XCTAssertEqual((0..<6).map { _ in rng.nextInt(below: 299) }, PinnedValues.seed0Ints)
        XCTAssertEqual((0..<4).map { _ in rng.nextNormal() }, PinnedValues.seed0Normals)
        var other = RandomGenerator(seed: 0, stream: 1)
        XCTAssertNotEqual(other.nextUInt64(), PinnedValues.seed0Words[0])
    }

    func testSameSeedSameStream() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42)
        for _ in 0..<100 { XCTAssertEqual(a.nextUInt64(), b.nextUInt64()) }
    }

    func testRawStateRoundTripContinuesTheStream() {
        var a = RandomGenerator(seed: 5)
        _ = a.nextUInt64()
        var b = RandomGenerator(rawState: a.rawState)
        for _ in 0..<10 { XCTAssertEqual(a.nextUInt64(), b.nextUInt64()) }
    }

    func testUniformIntegersAreInRangeAndUnbiased() {
        var rng = RandomGenerator(seed: 1)
        var counts = [Int](repeating: 0, count: 6)
        let n = 60_000
        for _ in 0..<n { counts[rng.nextInt(below: 6)] += 1 }
        // Each count is Binomial(60000, 1/6): sd ≈ 91, so ±500 is > 5 sd.
        for c in counts { XCTAssertEqual(Double(c), Double(n) / 6, accuracy: 500) }
        for _ in 0..<1000 { XCTAssert((1...299).contains(rng.nextInt(in: 1...299))) }
    }

    func testNormalsHaveUnitMoments() {
        var rng = RandomGenerator(seed: 2)
        let n = 100_000
        let samples = (0..<n).map { _ in rng.nextNormalDouble() }
        let mean = samples.reduce(0, +) / Double(n)
        let variance = samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        let doubles = (0..<1000).map { _ in rng.nextDouble() }
        XCTAssert(doubles.allSatisfy { $0 >= 0 && $0 < 1 })
    }
}
