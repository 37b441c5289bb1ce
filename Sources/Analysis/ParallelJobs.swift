import Foundation
import Tensor

/// Runs independent jobs (probes, ablation forwards) on several threads.
///
/// Each job runs on one thread with single-threaded products: the jobs' products are too small
/// to split well, and the output is the same for every thread count either way.
enum ParallelJobs {
    /// `body(job, worker)` for every job in `0..<count`, in any order on `threads` workers;
    /// `worker` (in `0..<threads`) indexes per-thread scratch. Returns the results in job order,
    /// or the first job's error.
    static func map<Value>(_ count: Int, threads: Int,
                           _ body: (_ job: Int, _ worker: Int) throws(AnalysisError) -> Value) throws(AnalysisError) -> [Value] {
        let productThreads = Gemm.threadCount
        Gemm.threadCount = 1
        defer { Gemm.threadCount = productThreads }
        let queue = JobQueue<Value>(count: count)
        withoutActuallyEscaping(body) { body in
            let work = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers(for: count, threads: threads)) { worker in
                while let job = queue.take() {
                    queue.finish(job, Result { () throws(AnalysisError) in try work.value(job, worker) })
                }
            }
        }
        return try queue.results.map { result throws(AnalysisError) in try result!.get() }
    }

    /// How many workers `map` starts: no more than there are jobs.
    static func workers(for count: Int, threads: Int) -> Int { max(1, min(threads, count)) }
}

/// The next job to hand out, and each finished job's result.
private final class JobQueue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private(set) var results: [Result<Value, AnalysisError>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func take() -> Int? {
        lock.withLock {
            guard next < results.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func finish(_ job: Int, _ result: Result<Value, AnalysisError>) { lock.withLock { results[job] = result } }
}

/// Carries the caller's closure, which only reads shared state, into the worker threads.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
