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

/// The study's own kinds, through the `rederive` CLI: a train stage's params are the training
/// config's keys, checked against its schema; a figure names a recipe this build knows.
final class StudyKindCheckTests: XCTestCase {
    func dryRun(_ stages: String) throws -> (status: Int32, stderr: String) {
        let project = try TestProject("stages:\n" + stages, files: ["configs/c.yaml": "steps: 10\nd_model: 8\n"])
        let make = Process()
        make.executableURL = URL(fileURLWithPath: try builtExecutable("rederive"))
        make.arguments = ["make", "p", "--dry-run"]
        make.currentDirectoryURL = URL(fileURLWithPath: project.root)
        let errors = Pipe()
        make.standardOutput = FileHandle.nullDevice
        make.standardError = errors
        try make.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        make.waitUntilExit()
        return (make.terminationStatus, text)
    }

    let train = """
      train:
        kind: train
        inputs: {config: configs/c.yaml}
        params: PARAMS
        outputs: {run: artifacts/run/}

    """

    func testTrainParamsAreCheckedAgainstTheConfigSchema() throws {
        let typo = try dryRun(train.replacingOccurrences(of: "PARAMS", with: "{stpes: 10}"))
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("Pipelines/p.yaml:5:21: error: stage 'train' (train) takes no param 'stpes'"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("did you mean 'steps'?"), typo.stderr)

        let negative = try dryRun(train.replacingOccurrences(of: "PARAMS", with: "{steps: -3}"))
        XCTAssertEqual(negative.status, 2)
        XCTAssertTrue(negative.stderr.contains("Pipelines/p.yaml:5:21: error: stage 'train': the training config configs/c.yaml with the stage's params is not valid: 'steps' must be"), negative.stderr)

        let threads = try dryRun(train.replacingOccurrences(of: "PARAMS", with: "{threads: 0}"))
        XCTAssertTrue(threads.stderr.contains("param 'threads' must be in 1...1024, found 0"), threads.stderr)

        XCTAssertEqual(try dryRun(train.replacingOccurrences(of: "PARAMS", with: "{steps: 5, threads: 2}")).status, 0)
    }

    func testAFigureMustNameAKnownRecipe() throws {
        let result = try dryRun(train.replacingOccurrences(of: "PARAMS", with: "{}") + """
          pca:
            kind: figure residual_pcx
            inputs: ["stage:train"]
            outputs: [Figures/pca.png]

        """)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains(":8:11: error: stage 'pca': no figure recipe named 'residual_pcx'"), result.stderr)
        XCTAssertTrue(result.stderr.contains("did you mean 'residual_pca'?"), result.stderr)
    }
}
