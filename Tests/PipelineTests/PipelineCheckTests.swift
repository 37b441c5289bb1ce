import Foundation
import XCTest
import Pipeline

/// Mistakes in a pipeline file found before anything runs, by `make`, `--dry-run` and `status`.
final class PipelineCheckTests: XCTestCase {
    func project(_ params: String, input: String = "configs/a.yaml") throws -> (TestProject, RunLog) {
        let project = try TestProject("""
        stages:
          train:
            kind: train
            inputs: {config: \(input)}
            params: \(params)
            outputs: {run: artifacts/run/}
          other:
            cmd: echo x > "$OUT"
            outputs: [artifacts/other.txt]
        """, files: ["configs/a.yaml": "steps: 1\n"])
        let runs = RunLog()
        project.registry.register(FakeRunner(kind: "train", version: "1", log: runs,
                                             params: [ParamSpec("steps", .int(1...100)), ParamSpec("lr", .number(0...1))]))
        return (project, runs)
    }

    func assertError(_ body: () throws -> Any, line: Int, column: Int, _ mentions: [String], file: StaticString = #filePath, testLine: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: testLine) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix("\(FileManager.default.temporaryDirectory.path)") && text.contains("/Pipelines/p.yaml:\(line):\(column): error: "),
                          text, file: file, line: testLine)
            for word in mentions { XCTAssertTrue(text.contains(word), "\(text) should mention \(word)", file: file, line: testLine) }
        }
    }

    func testAMisspeltParamFailsDryRunStatusAndMakeWithDidYouMean() throws {
        let (project, runs) = try project("{stpes: 10}")
        for dryRun in [true, false] {
            assertError({ try project.make(dryRun: dryRun) }, line: 5, column: 21, ["takes no param 'stpes'", "did you mean 'steps'?"])
        }
        assertError({ try PipelineCommands.status([project.pipelinePath], showAll: false, registry: project.registry,
                                                  console: Console(interactive: false, quiet: true), directory: project.root) },
                    line: 5, column: 21, ["stpes"])
        XCTAssertEqual(runs.all, [], "nothing ran")
        XCTAssertFalse(project.exists("artifacts/other.txt"), "nothing ran, not even an unrelated stage")
    }

    func testWrongTypesAndRangesAreErrors() throws {
        assertError({ try self.project("{steps: ten}").0.make(dryRun: true) }, line: 5, column: 21, ["'steps' must be an integer, found a string"])
        assertError({ try self.project("{steps: 1000}").0.make(dryRun: true) }, line: 5, column: 21, ["'steps' must be in 1...100, found 1000"])
        assertError({ try self.project("{steps: 5, lr: 2.5}").0.make(dryRun: true) }, line: 5, column: 28, ["'lr' must be in 0.0...1.0, found 2.5"])
        // Several mistakes: all of them, each with its place.
        assertError({ try self.project("{stepz: 5, lr: yes}").0.make(dryRun: true) }, line: 5, column: 28, ["'lr' must be a number", ":5:21: error: ", "'stepz'"])
        XCTAssertEqual(try self.project("{steps: 5, lr: 1}").0.make(dryRun: true).plan.count, 2)
    }

    func testAMissingInputFailsBeforeAnythingRunsWithDidYouMean() throws {
        let (project, runs) = try project("{steps: 5}", input: "configs/b.yaml")
        for dryRun in [true, false] {
            let result = try project.make(dryRun: dryRun)
            XCTAssertEqual(result.failed.map(\.stage), ["train"])
            XCTAssertTrue(result.failed[0].message.contains("/Pipelines/p.yaml:4:22: error: input configs/b.yaml does not exist"), result.failed[0].message)
            XCTAssertTrue(result.failed[0].message.contains("did you mean 'configs/a.yaml'?"), result.failed[0].message)
            XCTAssertEqual(result.blocked, ["other"])
            XCTAssertEqual(result.exitCode, 1)
        }
        XCTAssertEqual(runs.all, [])
        XCTAssertFalse(project.exists("artifacts/other.txt"))
        assertError({ try PipelineCommands.status([project.pipelinePath], showAll: false, registry: project.registry,
                                                  console: Console(interactive: false, quiet: true), directory: project.root) },
                    line: 4, column: 22, ["configs/b.yaml does not exist"])
    }
}
