/// Which stages a make wants, where each stands, and which are ready: ninja's Plan. The
/// `Builder` asks it for the next ready stage (lowest index first, so runs are in a stable
/// order) and tells it how each ended; a stage that succeeds (or is up to date) makes its
/// dependents ready once all their dependencies have. A failed stage leaves its dependents
/// pending, and the builder reports them as not run.
///
/// It holds stage indices only: no files, lock or executor, and nothing that points back at the
/// builder.
struct BuildPlan {
    enum State { case notWanted, pending, running, succeeded, failed, blocked }

    private var state: [State]
    /// Dependencies each stage still waits for.
    private var remaining: [Int]
    private var ready = PipelineExpander.Heap()
    private let dependents: [[Int]]
    /// Stages `make --force` reruns even when up to date.
    let forced: Set<Int>
    /// The out-of-date scan's reasons to run, by stage (empty: up to date), for an executor that
    /// chains jobs itself: it gets every stage the scan says will run at once, so a stage's
    /// dependents are ready as soon as it is handed over. Nil when each stage is checked as its
    /// turn comes.
    let scanned: [Int: [OutOfDateReason]]?
    /// Selected stages.
    let total: Int
    /// Selected stages that ended: succeeded, up to date, failed or blocked.
    private(set) var doneCount = 0

    init(_ pipeline: Pipeline, selected: [Int], forced: Set<Int>, scanned: [Int: [OutOfDateReason]]? = nil) {
        state = [State](repeating: .notWanted, count: pipeline.stages.count)
        remaining = pipeline.stages.map { $0.dependencies.count }
        dependents = pipeline.dependents()
        self.forced = forced
        self.scanned = scanned
        total = selected.count
        for i in selected { state[i] = .pending }
        for i in selected where remaining[i] == 0 { ready.push(i) }
    }

    /// The ready stage to start next, if any.
    var nextReady: Int? { ready.first }

    /// Takes `nextReady` off the ready list; the builder then starts, skips or fails it.
    mutating func takeReady() -> Int? { ready.pop() }

    /// Wanted stages that never became ready (a dependency failed, or the make stopped early).
    var pending: [Int] { state.indices.filter { state[$0] == .pending } }

    /// `i` was handed to the executor.
    mutating func started(_ i: Int) {
        state[i] = .running
        if scanned != nil { release(i) }
    }

    /// `i` ran and succeeded, or was up to date: its dependents may become ready.
    mutating func succeeded(_ i: Int) {
        // A stage handed to a chaining executor released its dependents when it started.
        let released = scanned != nil && state[i] == .running
        end(i, .succeeded)
        if !released { release(i) }
    }

    /// `i` could not start, or failed: its dependents stay pending.
    mutating func failed(_ i: Int) { end(i, .failed) }

    /// `i` never ran because a job it depends on failed (reported by a chaining executor).
    mutating func blocked(_ i: Int) { end(i, .blocked) }

    private mutating func end(_ i: Int, _ ended: State) {
        state[i] = ended
        doneCount += 1
    }

    private mutating func release(_ i: Int) {
        for j in dependents[i] {
            remaining[j] -= 1
            if remaining[j] == 0 && state[j] == .pending { ready.push(j) }
        }
    }
}
