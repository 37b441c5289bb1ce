import Foundation

/// The shape of one `Gemm.product` call.
public struct GemmShape: Hashable, Sendable {
    public var transposeA: Bool, transposeB: Bool
    public var m: Int, n: Int, k: Int
    public var lda: Int, ldb: Int, ldc: Int

    @inlinable
    public init(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int) {
        self.transposeA = transposeA; self.transposeB = transposeB
        self.m = m; self.n = n; self.k = k
        self.lda = lda; self.ldb = ldb; self.ldc = ldc
    }

    /// Floats each operand spans in memory, as stored.
    var extents: (a: Int, b: Int, c: Int) {
        ((transposeA ? k : m) * lda, (transposeB ? n : k) * ldb, m * ldc)
    }
}

/// Collects the shapes of the `Gemm.product` calls made while it is `Gemm.recorder`, from any thread.
public final class GemmRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [GemmShape: Int] = [:]

    public init() {}

    @usableFromInline
    func record(_ shape: GemmShape) {
        lock.withLock { counts[shape, default: 0] += 1 }
    }

    /// How many times each shape was called.
    public var calls: [GemmShape: Int] { lock.withLock { counts } }

    /// The recorded calls timed one shape at a time on the calling thread (best of
    /// `repeats`, operands warm in cache), summed over all calls: the time the products alone
    /// would take, in seconds.
    public func isolatedSeconds(repeats: Int = 5) -> Double {
        isolatedTimes(repeats: repeats).reduce(0) { $0 + $1.seconds * Double($1.count) }
    }

    /// Each recorded shape, how often it was called, and one call's time (best of `repeats`,
    /// operands warm, on the calling thread), slowest total first.
    public func isolatedTimes(repeats: Int = 5) -> [(shape: GemmShape, count: Int, seconds: Double)] {
        precondition(Gemm.recorder !== self, "stop recording before timing the recorded shapes")
        var times: [(shape: GemmShape, count: Int, seconds: Double)] = []
        for (shape, count) in calls {
            let (sa, sb, sc) = shape.extents
            let a = [Float](repeating: 0.5, count: sa), b = [Float](repeating: 0.25, count: sb)
            var c = [Float](repeating: 0, count: sc)
            // Enough calls per timing that the clock's resolution does not matter.
            let batch = max(1, min(count, 200_000 / max(1, shape.m * shape.n)))
            var best = Double.infinity
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                    for _ in 0..<batch {
                        Gemm.product(transposeA: shape.transposeA, transposeB: shape.transposeB, m: shape.m, n: shape.n, k: shape.k,
                                  a: a.baseAddress!, lda: shape.lda, b: b.baseAddress!, ldb: shape.ldb,
                                  c: c.baseAddress!, ldc: shape.ldc)
                    }
                } } }
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 / Double(batch))
            }
            times.append((shape, count, best))
        }
        return times.sorted { $0.seconds * Double($0.count) > $1.seconds * Double($1.count) }
    }
}
