import Tensor
import Dispatch

/// Runs independent pieces of work on several threads.
///
/// Work split by rows gives the same bytes however it is split, because each row is computed by
/// one thread in a fixed order. Reductions across rows use `reductionChunks` fixed chunks,
/// summed in chunk order, so they too are independent of the thread count.
enum Parallel {
    /// Threads used for row-parallel work (set from `--threads`).
    nonisolated(unsafe) static var threads = 1

    /// Chunks of a reduction; fixed, so sums do not depend on the thread count.
    static let reductionChunks = 8

    /// Calls `body(i)` for `i` in `0..<count`, concurrently when more than one thread is allowed.
    static func forEach(_ count: Int, parallel: Bool = true, _ body: (Int) -> Void) {
        if threads <= 1 || count <= 1 || !parallel {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
    }

    /// Splits `0..<count` into `parts` contiguous ranges and runs `body` on each.
    static func forRanges(_ count: Int, parts: Int, _ body: (Range<Int>) -> Void) {
        forParts(count, parts: parts) { range, _ in body(range) }
    }

    /// Like `forRanges`, also passing the part's index (a slot for per-thread scratch).
    static func forParts(_ count: Int, parts: Int, _ body: (Range<Int>, Int) -> Void) {
        let parts = max(1, min(parts, count))
        forEach(parts) { part in
            body(count * part / parts ..< count * (part + 1) / parts, part)
        }
    }
}

/// Lets a value that the caller knows is used safely cross into a concurrent closure
/// (raw buffers that threads write in disjoint rows).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The number of threads the model's kernels use: large products' and the row-parallel
/// loops'. The trainer sets it from `--threads`; analysis code may set it before `Model.run`.
/// Results are byte-identical at any count: threads only choose who computes which rows.
public enum ComputeThreads {
    public static var count: Int {
        get { Parallel.threads }
        set {
            Parallel.threads = max(1, newValue)
            Gemm.threadCount = max(1, newValue)
        }
    }
}
