import Foundation

/// One stage ready to run: its runner and context.
public struct StageJob: Sendable {
    /// The stage's index in `Pipeline.stages`.
    public var index: Int
    public var runner: any StageRunner
    public var context: StageContext
}

public enum StageJobOutcome: Sendable {
    case succeeded
    case failed(String)
}

/// Where stages run. The scheduler decides what runs and in which order; an executor only starts
/// jobs and reports when each ends. `LocalExecutor` runs them on threads of this process; a Slurm
/// executor (issue 9) can submit them as batch jobs behind the same two calls.
public protocol Executor: AnyObject, Sendable {
    /// Starts `job` and returns at once; calls `onFinish` exactly once, from any thread.
    func start(_ job: StageJob, onFinish: @escaping @Sendable (Int, StageJobOutcome) -> Void)
}

/// Runs each job on its own thread (8 MiB stack: in-process runners may recurse or keep big
/// stack buffers). Parallelism is bounded by the scheduler's `-j`.
public final class LocalExecutor: Executor {
    public init() {}

    public func start(_ job: StageJob, onFinish: @escaping @Sendable (Int, StageJobOutcome) -> Void) {
        let thread = Thread {
            let outcome: StageJobOutcome
            do {
                try job.runner.run(job.context)
                outcome = job.context.cancellation.isCancelled ? .failed("interrupted") : .succeeded
            } catch {
                outcome = .failed(job.context.cancellation.isCancelled ? "interrupted" : String(describing: error))
            }
            onFinish(job.index, outcome)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
