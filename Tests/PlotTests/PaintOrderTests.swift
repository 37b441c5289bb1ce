import XCTest
import Plot

final class PaintOrderTests: XCTestCase {
    /// Dots of radius `r` at (x, y), as `strokeDotBatches` passes them.
    func batches(_ x: [Double], _ y: [Double], r: Double, paint: [Int]) -> PaintBatches {
        PaintBatches(x0: x.map { $0 - r }, y0: y.map { $0 - r }, x1: x.map { $0 + r }, y1: y.map { $0 + r }, paint: paint) { i, j in
            let dx = x[i] - x[j], dy = y[i] - y[j], reach = 2 * r - PaintBatches.tolerance
            return dx * dx + dy * dy < reach * reach
        }
    }

    func testAnOverlappedDotWaitsAndAFreeOneJoinsItsColour() {
        // 0 (paint 0) and 2 (paint 0) are apart; 1 (paint 1) overlaps 0, so it is painted after.
        let b = batches([0, 1.5, 10], [0, 0, 0], r: 1, paint: [0, 1, 0])
        XCTAssertEqual(b.order, [0, 2, 1])
        XCTAssertEqual(b.starts, [0, 2])
        // Moving dot 2 onto dot 1 makes it wait for dot 1: three batches in data order.
        let c = batches([0, 1.5, 3], [0, 0, 0], r: 1, paint: [0, 1, 0])
        XCTAssertEqual(c.order, [0, 1, 2])
        XCTAssertEqual(c.starts, [0, 1, 2])
    }

    func testEveryOverlappingPairKeepsItsOrderAndNoBatchOverlapsItself() {
        var state: UInt64 = 20261207
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 3000, r = 2.5
        // A dense cluster and a sparse spread, three interleaved paints.
        let x = (0..<n).map { i in i % 2 == 0 ? 100 + 30 * next() : 400 * next() }
        let y = (0..<n).map { i in i % 2 == 0 ? 100 + 30 * next() : 300 * next() }
        let paint = (0..<n).map { $0 % 3 }
        let b = batches(x, y, r: r, paint: paint)
        XCTAssertEqual(b.order.sorted(), Array(0..<n))
        XCTAssertLessThan(b.starts.count, n / 4, "dots should share strokes")
        var position = [Int](repeating: 0, count: n)
        for (k, i) in b.order.enumerated() { position[i] = k }
        func overlap(_ i: Int, _ j: Int) -> Bool {
            let dx = x[i] - x[j], dy = y[i] - y[j]
            return dx * dx + dy * dy < (2 * r - PaintBatches.tolerance) * (2 * r - PaintBatches.tolerance)
        }
        for i in 0..<n { for j in (i + 1)..<n where overlap(i, j) { XCTAssertLessThan(position[i], position[j], "\(i) before \(j)") } }
        for (k, start) in b.starts.enumerated() {
            let batch = Array(b.order[start..<(k + 1 < b.starts.count ? b.starts[k + 1] : n)])
            XCTAssertEqual(Set(batch.map { paint[$0] }).count, 1)
            for a in batch.indices { for c in batch.indices where c > a { XCTAssertFalse(overlap(batch[a], batch[c])) } }
        }
    }

    func testItemsThatAllOverlapKeepDataOrder() {
        // Every item covers the whole extent: each waits for all before it, one batch each.
        let n = 200
        let b = PaintBatches(x0: (0..<n).map { Double($0) * 1e-3 }, y0: Array(repeating: 0, count: n),
                             x1: (0..<n).map { 1000 + Double($0) * 1e-3 }, y1: Array(repeating: 1000, count: n),
                             paint: Array(repeating: 0, count: n)) { _, _ in true }
        XCTAssertEqual(b.order, Array(0..<n))
        XCTAssertEqual(b.starts, Array(0..<n))
    }

    func testAFewHugeItemsAmongSmallOnesFallBackToDataOrder() {
        // Ten items cover everything among a hundred small ones: the buckets would hold each huge
        // item many times, so nothing is reordered and each item is its own batch.
        let n = 110
        let big = (0..<n).map { $0 % 11 == 5 }
        let x0 = (0..<n).map { big[$0] ? 0 : Double($0 * 9 % 1000) }, y0 = (0..<n).map { big[$0] ? 0 : Double($0 * 37 % 1000) }
        let b = PaintBatches(x0: x0, y0: y0, x1: (0..<n).map { big[$0] ? 1000 : x0[$0] + 1 },
                             y1: (0..<n).map { big[$0] ? 1000 : y0[$0] + 1 }, paint: (0..<n).map { $0 % 2 }) { _, _ in true }
        XCTAssertEqual(b.order, Array(0..<n))
        XCTAssertEqual(b.starts, Array(0..<n))
    }
}
