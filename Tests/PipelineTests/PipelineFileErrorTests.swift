import XCTest
import Pipeline

/// Bad pipeline files: each error names the file, line and column, and what is expected.
final class PipelineFileErrorTests: XCTestCase {
    private func error(_ yaml: String, overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) -> PipelineError? {
        do {
            let parsed = try PipelineFile.parse(yaml: yaml, path: "Pipelines/bad.yaml", registry: .testKinds)
            let overrides = try overrides.map { (text) throws(PipelineError) in try ParamOverride.parse(text) }
            _ = try PipelineExpander.expand(parsed, root: "/tmp", overrides: overrides)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func assertLocated(_ error: PipelineError?, _ code: PipelineError.Code, line: Int, column: Int, mentions: String,
                               file: StaticString = #filePath, testLine: UInt = #line) {
        guard let error else { return }
        XCTAssertEqual(error.code, code, error.description, file: file, line: testLine)
        XCTAssertEqual(error.location?.file, "Pipelines/bad.yaml", file: file, line: testLine)
        XCTAssertEqual(error.location?.line, line, error.description, file: file, line: testLine)
        XCTAssertEqual(error.location?.column, column, error.description, file: file, line: testLine)
        XCTAssertTrue(error.description.contains(mentions), "\(error.description) should mention \(mentions)", file: file, line: testLine)
        XCTAssertTrue(error.description.hasPrefix("Pipelines/bad.yaml:\(line):\(column): error: "), error.description, file: file, line: testLine)
    }

    func testUnknownTopLevelKey() {
        let yaml = """
        stages:
          a: {cmd: "true", outputs: [artifacts/a]}
        stagez: {}
        """
        assertLocated(error(yaml), .unknownKey, line: 3, column: 1, mentions: "expected one of: description, params, artifacts, stages")
    }

    func testUnknownStageKey() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            output: [artifacts/a]
        """
        assertLocated(error(yaml), .unknownKey, line: 4, column: 5, mentions: "unknown key 'output' in stage 'a'")
    }

    func testWrongTypeOfParams() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            params: [1, 2]
            outputs: [artifacts/a]
        """
        assertLocated(error(yaml), .wrongType, line: 4, column: 13, mentions: "must be a map, found a list")
    }

    func testWrongTypeOfMatrixValues() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            matrix: {seed: 3}
            outputs: [artifacts/a]
        """
        assertLocated(error(yaml), .wrongType, line: 4, column: 20, mentions: "non-empty list")
    }

    func testWrongTypeOfOutputs() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            outputs: 5
        """
        assertLocated(error(yaml), .wrongType, line: 4, column: 14, mentions: "a list of paths or a map of name to path")
    }

    func testUnknownKind() {
        let yaml = """
        stages:
          a:
            kind: trian
            outputs: [artifacts/a]
        """
        // The parser knows the kinds of the registry it is given (here the study's stand-ins).
        assertLocated(error(yaml), .missingRunner, line: 3, column: 11, mentions: "expected train, analyze, figure <recipe>, slides")
        assertLocated(error(yaml), .missingRunner, line: 3, column: 11, mentions: "did you mean 'train'?")
    }

    func testKindArgumentsFollowTheRegistry() {
        let bare = """
        stages:
          a:
            kind: figure
            outputs: [Figures/a.png]
        """
        assertLocated(error(bare), .wrongType, line: 3, column: 11, mentions: "stage kind 'figure' in stage 'a' needs one recipe")
        let extra = """
        stages:
          a:
            kind: slides deck
            outputs: [Figures/a.pdf]
        """
        assertLocated(error(extra), .wrongType, line: 3, column: 11, mentions: "stage kind 'slides' in stage 'a' takes no argument")
        let cmd = """
        stages:
          a:
            kind: cmd
            outputs: [Figures/a.pdf]
        """
        assertLocated(error(cmd), .missingRunner, line: 3, column: 11, mentions: "a `cmd:` key instead of `kind:`")
    }

    func testReferenceToMissingStage() {
        let yaml = """
        stages:
          train:
            cmd: "true"
            outputs: [artifacts/run]
          plot:
            cmd: "true"
            inputs: ["stage:trian"]
            outputs: [Figures/plot.png]
        """
        assertLocated(error(yaml), .missingStage, line: 7, column: 14, mentions: "stage 'trian', which does not exist")
    }

    func testReferenceToMissingOutput() {
        let yaml = """
        stages:
          train:
            cmd: "true"
            outputs: {run: artifacts/run}
          plot:
            cmd: "true"
            inputs: ["stage:train:model"]
            outputs: [Figures/plot.png]
        """
        assertLocated(error(yaml), .missingStage, line: 7, column: 14, mentions: "has no output 'model'")
    }

    func testCycle() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            inputs: [artifacts/c]
            outputs: [artifacts/a]
          b:
            cmd: "true"
            inputs: ["stage:a"]
            outputs: [artifacts/b]
          c:
            cmd: "true"
            inputs: [artifacts/b]
            outputs: [artifacts/c]
        """
        assertLocated(error(yaml), .cycle, line: 2, column: 3, mentions: "a -> b -> c -> a")
    }

    func testSelfDependencyIsACycle() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            inputs: [artifacts/a]
            outputs: [artifacts/a]
        """
        assertLocated(error(yaml), .cycle, line: 2, column: 3, mentions: "reads its own output")
    }

    func testTwoStagesWritingOneOutput() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            outputs: [artifacts/x.txt]
          b:
            cmd: "true"
            outputs: [artifacts/x.txt]
        """
        assertLocated(error(yaml), .duplicateOutput, line: 7, column: 15, mentions: "stages 'a' and 'b' both write it")
    }

    func testMatrixExpansionsWritingOneOutput() {
        let yaml = """
        stages:
          train:
            cmd: "true"
            matrix: {seed: [0, 1]}
            outputs: [artifacts/run.txt]
        """
        assertLocated(error(yaml), .duplicateOutput, line: 5, column: 15, mentions: "use ${name} in sweeps")
    }

    func testOutputInsideAnotherStagesFolder() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            outputs: [artifacts/dir/]
          b:
            cmd: "true"
            outputs: [artifacts/dir/x.txt]
        """
        assertLocated(error(yaml), .duplicateOutput, line: 7, column: 15, mentions: "inside folder output 'artifacts/dir'")
    }

    func testOverrideOfUnknownParam() {
        let yaml = """
        params:
          train: {lr: 1.0e-4}
        stages:
          a: {cmd: "true", outputs: [artifacts/a]}
        """
        let e = error(yaml, overrides: ["train.lrr=3e-4"])
        assertLocated(e, .invalidOverride, line: 1, column: 1, mentions: "-S train.lrr=3e-4: unknown param 'train.lrr'")
        XCTAssertTrue(e?.description.contains("known params: train, train.lr") == true, e?.description ?? "")
    }

    func testOverrideWithWrongTypeNamesTheDeclaration() {
        let yaml = """
        params:
          train:
            steps: 4000
        stages:
          a: {cmd: "true", outputs: [artifacts/a]}
        """
        let e = error(yaml, overrides: ["train.steps=lots"])
        assertLocated(e, .invalidOverride, line: 3, column: 5, mentions: "'train.steps' must be an integer as declared here, got a string 'lots'")
    }

    func testOverrideWithoutEquals() {
        XCTAssertThrowsError(try ParamOverride.parse("train.lr")) { error in
            XCTAssertEqual((error as? PipelineError)?.code, .invalidOverride)
        }
    }

    func testOverrideOfStageParamWithWrongType() {
        let yaml = """
        stages:
          a:
            cmd: "true"
            params: {flag: true}
            outputs: [artifacts/a]
        """
        assertLocated(error(yaml, overrides: ["a.flag=7"]), .invalidOverride, line: 4, column: 20, mentions: "-S a.flag=7: 'a.flag' must be a boolean")
        assertLocated(error(yaml, overrides: ["a.flga=7"]), .invalidOverride, line: 2, column: 3, mentions: "stage 'a' has no param 'flga'")
    }

    func testYAMLSyntaxError() {
        let yaml = """
        stages:
          a: {cmd: "true", outputs: [artifacts/a]
        """
        let e = error(yaml)
        XCTAssertEqual(e?.code, .syntax)
        XCTAssertEqual(e?.location?.file, "Pipelines/bad.yaml")
        XCTAssertGreaterThan(e?.location?.line ?? 0, 1)
    }

    func testUnknownVariable() {
        let yaml = """
        stages:
          a:
            cmd: echo ${nope}
            outputs: [artifacts/a]
        """
        assertLocated(error(yaml), .unknownVariable, line: 3, column: 10, mentions: "unknown variable '${nope}'")
    }

    func testStageWithoutKindOrOutputs() {
        assertLocated(error("stages:\n  a:\n    outputs: [x]\n"), .missingKey, line: 2, column: 3, mentions: "has no kind")
        assertLocated(error("stages:\n  a:\n    cmd: ls\n"), .missingKey, line: 2, column: 3, mentions: "declares no outputs")
    }

    func testOutputOutsideProject() {
        assertLocated(error("stages:\n  a:\n    cmd: ls\n    outputs: [../x]\n"), .invalidPath, line: 4, column: 15, mentions: "leaves the project folder")
    }
}
