import Foundation
import XCTest
import Pipeline

/// `rederive run-stage`: what every cluster job runs.
final class SlurmRunStageTests: XCTestCase {
    func runStage(_ project: TestProject, _ names: [String], index: String? = nil, environment: [String: String] = [:],
                  record: Bool = false) throws -> Int32 {
        var options = RunStageOptions()
        options.indexVariable = index
        options.recordInLock = record
        return try PipelineCommands.runStage(project.pipelinePath, stages: names, options: options, registry: project.registry,
                                             console: Console(interactive: false, quiet: true), directory: project.root,
                                             environment: environment)
    }

    func testRunsTheStageTheIndexPicksAndLeavesTheLockAlone() throws {
        let project = try TestProject(SlurmExecutorTests.pipeline)
        XCTAssertEqual(try runStage(project, ["data"]), 0)
        let names = ["train@seed=0", "train@seed=1", "train@seed=2"]
        XCTAssertEqual(try runStage(project, names, index: "SLURM_ARRAY_TASK_ID", environment: ["SLURM_ARRAY_TASK_ID": "2"]), 0)
        XCTAssertEqual(project.files(under: "artifacts/runs"), ["run-2.txt"])
        XCTAssertFalse(project.exists("Pipelines/p.lock"), "the controller records the lock")
        let log = try XCTUnwrap(project.read("artifacts/logs/p/train@seed=2.log"))
        XCTAssertTrue(log.hasPrefix("# rederive: stage train@seed=2 (cmd) by run-stage on "))
    }

    func testRecordWritesTheLockEntryALocalRunWould() throws {
        let project = try TestProject(SlurmExecutorTests.pipeline)
        let local = try TestProject(SlurmExecutorTests.pipeline)
        XCTAssertEqual(try runStage(project, ["data"], record: true), 0)
        XCTAssertEqual(try local.make(["data"]).ran, ["data"])
        var a = try LockFile.read(project.lockPath, pipeline: "p"), b = try LockFile.read(local.lockPath, pipeline: "p")
        a.stages["data"]?.durationSeconds = 0
        b.stages["data"]?.durationSeconds = 0
        XCTAssertEqual(a, b)
        XCTAssertEqual(try project.make().ran.first, "train@seed=0", "data is up to date")
    }

    func testAFailingStageLeavesNoOutputAndReturnsOne() throws {
        let project = try TestProject(SlurmExecutorTests.pipeline)
        XCTAssertEqual(try runStage(project, ["data"]), 0)
        var options = RunStageOptions()
        options.overrides = [try ParamOverride.parse("fail_seed=0")]
        let status = try PipelineCommands.runStage(project.pipelinePath, stages: ["train@seed=0"], options: options, registry: project.registry,
                                                   console: Console(interactive: false, quiet: true), directory: project.root, environment: [:])
        XCTAssertEqual(status, 1)
        XCTAssertEqual(project.files(under: "artifacts/runs"), [])
        XCTAssertTrue(project.read("artifacts/logs/p/train@seed=0.log")?.contains("boom at seed 0") == true)
    }

    func testBadNamesAndIndicesAreExplained() throws {
        let project = try TestProject(SlurmExecutorTests.pipeline)
        func error(_ names: [String], index: String? = nil, environment: [String: String] = [:]) -> PipelineError? {
            do { _ = try runStage(project, names, index: index, environment: environment); return nil } catch { return error as? PipelineError }
        }
        XCTAssertEqual(error(["train@seed=7"])?.code, .unknownTarget)
        XCTAssertTrue(error(["train@seed=7"])?.hint?.contains("-S") == true)
        XCTAssertTrue(error(["a", "b"])?.message.contains("--index-env") == true)
        XCTAssertTrue(error(["a", "b"], index: "JOB_COMPLETION_INDEX")?.message.contains("not set") == true)
        XCTAssertTrue(error(["a", "b"], index: "I", environment: ["I": "2"])?.hint?.contains("0...1") == true)
        XCTAssertTrue(error(["a", "b"], index: "I", environment: ["I": "x"]) != nil)
    }
}
