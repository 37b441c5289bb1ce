/// The order in which vector output (PDF, SVG) paints many small translucent dots, so that dots
/// of one paint share a single stroke without changing the picture.
///
/// Painting one dot per operator costs Cairo's PDF surface a full operation each (it records,
/// analyses and strokes every one: about 7 µs a dot with its share of compression), and 10,000
/// translucent dots of interleaved colours cannot share an operator in data order. Order only
/// matters where dots overlap, so each item gets a level one above the highest level of the
/// earlier items it overlaps; items of one level overlap none of each other, and every
/// overlapping pair keeps its order across levels. Levels are painted in turn, and within a
/// level all items of one paint form one batch. Rectangles are not batched: poppler snaps a
/// lone rectangle's edges to pixels but not a batch's, so batched heatmap cells showed seams.
public struct PaintBatches: Sendable {
    /// Item indices (into the caller's arrays) in paint order.
    public var order: [Int] = []
    /// Where each batch starts in `order`; a batch ends where the next starts, the last at the end.
    public var starts: [Int] = []

    /// Overlaps smaller than this (page units) count as touching: items that meet at
    /// coordinates computed separately can differ in the last bits.
    public static let tolerance = 1e-6

    /// Batches for items with bounding boxes (`x0 < x1`, `y0 < y1`) and paint ids `paint`
    /// (equal ids share a batch). `overlap(i, j)` refines a box overlap (circles); it is asked
    /// only when the boxes overlap. Falls back to one batch per item, in the given order, when a
    /// spatial index would not pay (items much larger than their spacing).
    public init(x0: [Double], y0: [Double], x1: [Double], y1: [Double], paint: [Int], overlap: (Int, Int) -> Bool) {
        let n = paint.count
        guard n > 0 else { return }
        guard let levels = Self.levels(x0: x0, y0: y0, x1: x1, y1: y1, overlap: overlap) else {
            order = Array(0..<n)
            starts = Array(0..<n)
            return
        }
        order = (0..<n).sorted { a, b in
            if levels[a] != levels[b] { return levels[a] < levels[b] }
            if paint[a] != paint[b] { return paint[a] < paint[b] }
            return a < b
        }
        starts.reserveCapacity(n)
        for (k, i) in order.enumerated() {
            if k == 0 || levels[i] != levels[order[k - 1]] || paint[i] != paint[order[k - 1]] { starts.append(k) }
        }
    }

    /// Each item's level, found through a uniform grid of buckets over the items' extent; nil
    /// when the items would fill more than a few buckets each.
    static func levels(x0: [Double], y0: [Double], x1: [Double], y1: [Double], overlap: (Int, Int) -> Bool) -> [Int32]? {
        let n = x0.count
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        var extent = 0.0
        for i in 0..<n {
            minX = min(minX, x0[i]); minY = min(minY, y0[i]); maxX = max(maxX, x1[i]); maxY = max(maxY, y1[i])
            extent += max(x1[i] - x0[i], y1[i] - y0[i])
        }
        guard minX.isFinite, minY.isFinite, maxX.isFinite, maxY.isFinite else { return nil }
        // Buckets about one item wide, at most about 4n of them.
        let area = max((maxX - minX) * (maxY - minY), 1e-12)
        let cell = max(extent / Double(n), (area / Double(4 * n)).squareRoot(), 1e-9)
        let columns = Int(((maxX - minX) / cell).rounded(.down)) + 1, rows = Int(((maxY - minY) / cell).rounded(.down)) + 1
        guard columns.multipliedReportingOverflow(by: rows).overflow == false, columns * rows <= 8 * n + 64 else { return nil }
        func span(_ lo: Double, _ hi: Double, _ origin: Double, _ count: Int) -> ClosedRange<Int> {
            let a = Int(((lo - origin) / cell).rounded(.down)), b = Int(((hi - origin) / cell).rounded(.down))
            return max(0, min(a, count - 1))...max(0, min(b, count - 1))
        }
        var covered = 0
        for i in 0..<n { covered += span(x0[i], x1[i], minX, columns).count * span(y0[i], y1[i], minY, rows).count }
        guard covered <= 8 * n + 64 else { return nil }
        // Each bucket's entries lie together (counted, then filled in item order), with a copy
        // of the item's box and, once placed, its level: the scan reads memory in sequence.
        let cells = columns * rows
        var start = [Int](repeating: 0, count: cells + 1)
        for i in 0..<n {
            for r in span(y0[i], y1[i], minY, rows) { for c in span(x0[i], x1[i], minX, columns) { start[r * columns + c + 1] += 1 } }
        }
        for k in 0..<cells { start[k + 1] += start[k] }
        var placed = [Int](repeating: 0, count: cells)
        var ex0 = [Double](repeating: 0, count: covered), ey0 = ex0, ex1 = ex0, ey1 = ex0
        var entryLevel = [Int32](repeating: 0, count: covered)
        var levels = [Int32](repeating: 0, count: n)
        let eps = tolerance
        var item = [Int32](repeating: 0, count: covered)
        for i in 0..<n {
            let xs = span(x0[i], x1[i], minX, columns), ys = span(y0[i], y1[i], minY, rows)
            var level: Int32 = 0
            for r in ys {
                for c in xs {
                    let cell = r * columns + c
                    var k = start[cell] + placed[cell] - 1
                    while k >= start[cell] {   // newest first, so most entries are passed over by level
                        if entryLevel[k] >= level && x0[i] < ex1[k] - eps && ex0[k] < x1[i] - eps
                            && y0[i] < ey1[k] - eps && ey0[k] < y1[i] - eps && overlap(i, Int(item[k])) {
                            level = entryLevel[k] + 1
                        }
                        k -= 1
                    }
                }
            }
            levels[i] = level
            for r in ys {
                for c in xs {
                    let cell = r * columns + c, k = start[cell] + placed[cell]
                    placed[cell] += 1
                    item[k] = Int32(i); entryLevel[k] = level
                    ex0[k] = x0[i]; ey0[k] = y0[i]; ex1[k] = x1[i]; ey1[k] = y1[i]
                }
            }
        }
        return levels
    }
}
