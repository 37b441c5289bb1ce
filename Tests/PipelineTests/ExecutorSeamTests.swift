import Foundation
import Pipeline
import XCTest

/// The builder and an executor talk only through values: an `Executor` written outside the
/// module, which runs the `StageJob`s it is given and answers with `StageResult`s, gets the same
/// outputs, the same lock and the same report as `make`'s own executor. Nothing else of the
/// builder's reaches it.
final class ExecutorSeamTests: XCTestCase {
    /// Runs one job per `wait`, in this thread, the most recently started first (so not in the
    /// order the local executor runs them).
    final class InlineExecutor: Executor {
        private var started = [StageJob]()

        func canRunMore() -> Bool { true }

        func start(_ job: StageJob) { started.append(job) }

        func wait(timeout: Double) -> [StageResult] {
            guard let job = started.popLast() else { return [] }
            guard let context = job.context else { return [StageResult(index: job.index, outcome: .failed("no context", logs: []))] }
            do {
                try job.runner.run(context)
                return [StageResult(index: job.index, outcome: .succeeded)]
            } catch {
                return [StageResult(index: job.index, outcome: .failed(String(describing: error), logs: []))]
            }
        }

        func abort(force: Bool) {}
    }

    let yaml = """
    stages:
      gen:
        cmd: seq 1 4 > "$OUT"
        outputs: [artifacts/numbers.txt]
      square:
        cmd: while read x; do echo $((x * x)); done < "$IN" > "$OUT"
        inputs: ["stage:gen"]
        outputs: [artifacts/squares.txt]
      side:
        cmd: mkdir -p "$OUT/a" && echo side > "$OUT/a/b.txt"
        outputs: ["artifacts/side/"]
      bad:
        cmd: echo partial > "$OUT"; exit 3
        outputs: [artifacts/bad.txt]
      after-bad:
        cmd: cp "$IN" "$OUT"
        inputs: ["stage:bad"]
        outputs: [artifacts/after.txt]
    """

    func testAnExecutorOutsideTheModuleGetsTheLocalLockAndReport() throws {
        let local = try TestProject(yaml)
        let localResult = try local.make(jobs: 2)

        let other = try TestProject(yaml)
        let project = Project(root: other.root, pipelineFile: other.pipelinePath)
        let pipeline = try project.load(registry: other.registry)
        let scheduler = try Scheduler(project: project, pipeline: pipeline, registry: other.registry, executor: InlineExecutor(),
                                      console: Console(interactive: false, quiet: true))
        let otherResult = try scheduler.make(MakeOptions())

        XCTAssertEqual(Set(otherResult.ran), ["gen", "square", "side"])
        XCTAssertEqual(Set(otherResult.ran), Set(localResult.ran))
        XCTAssertEqual(otherResult.failed.map(\.stage), ["bad"])
        XCTAssertEqual(localResult.failed.map(\.stage), ["bad"])
        XCTAssertEqual(otherResult.blocked, localResult.blocked)
        XCTAssertEqual(other.read("artifacts/squares.txt"), "1\n4\n9\n16\n")
        XCTAssertEqual(other.read("artifacts/side/a/b.txt"), "side\n")
        XCTAssertFalse(other.exists("artifacts/bad.txt"), "a failed stage's output is never moved into place")
        XCTAssertEqual(other.files(under: "artifacts").filter { $0.contains("rederive-tmp") }, [])

        // The same lock, durations aside.
        let localLock = try LockFile.read(local.lockPath, pipeline: "p")
        let otherLock = try LockFile.read(other.lockPath, pipeline: "p")
        XCTAssertEqual(Set(otherLock.stages.keys), ["gen", "square", "side"])
        XCTAssertEqual(Set(otherLock.stages.keys), Set(localLock.stages.keys))
        for (name, entry) in otherLock.stages {
            XCTAssertTrue(entry.sameBuild(as: localLock.stages[name]!), name)
        }
    }
}
