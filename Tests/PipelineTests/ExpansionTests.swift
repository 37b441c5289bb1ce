import XCTest
import Pipeline

/// Matrix/foreach expansion, interpolation, references and overrides.
final class ExpansionTests: XCTestCase {
    private func expand(_ yaml: String, overrides: [String] = []) throws -> Pipeline {
        let file = try PipelineFile.parse(yaml: yaml, path: "p.yaml", registry: .testKinds)
        return try PipelineExpander.expand(file, root: "/project", overrides: try overrides.map { try ParamOverride.parse($0) })
    }

    let sweep = """
    params:
      train: {lr: 1.0e-4, steps: 4000}
      seeds: [0, 1, 2]
    stages:
      train:
        kind: train
        matrix:
          layers: [1, 2]
          pos: [none, learned]
          seed: ${seeds}
        params: {n_layers: "${layers}", positional: "${pos}", seed: "${seed}", lr: "${train.lr}", label: "L${layers}-${pos}"}
        outputs: {run: "artifacts/runs/${name}/"}
      analyze:
        kind: analyze
        matrix: {layers: [1, 2], pos: [none, learned], seed: "${seeds}"}
        inputs: {run: "stage:train:run"}
        outputs: {out: "artifacts/analysis/${name}/"}
      compare:
        kind: figure seeds
        matrix: {layers: [2]}
        inputs: {runs: "stage:analyze"}
        outputs: ["Figures/seeds-L${layers}.png"]
    """

    func testMatrixExpandsToReadableNamesInDeclarationOrder() throws {
        let pipeline = try expand(sweep)
        let trains = pipeline.stages.filter { $0.baseName == "train" }.map(\.name)
        XCTAssertEqual(trains.count, 12)
        XCTAssertEqual(trains.first, "train@layers=1,pos=none,seed=0")
        XCTAssertEqual(trains.last, "train@layers=2,pos=learned,seed=2")
        XCTAssertEqual(pipeline.stages.count, 12 + 12 + 1)
    }

    func testWholeReferenceKeepsTypeAndSplicedReferenceIsText() throws {
        let stage = try XCTUnwrap(try expand(sweep).stage(named: "train@layers=2,pos=none,seed=1"))
        XCTAssertEqual(stage.params["n_layers"], .int(2))
        XCTAssertEqual(stage.params["seed"], .int(1))
        XCTAssertEqual(stage.params["lr"], .double(1e-4))
        XCTAssertEqual(stage.params["positional"], .string("none"))
        XCTAssertEqual(stage.params["label"], .string("L2-none"))
        XCTAssertEqual(stage.kind, .builtin(name: "train", argument: nil))
        XCTAssertEqual(stage.outputs.map(\.path), ["artifacts/runs/train@layers=2,pos=none,seed=1"])
        XCTAssertEqual(stage.outputs.first?.isDirectory, true)
    }

    func testBaseNameReferenceMatchesSharedMatrixValues() throws {
        let pipeline = try expand(sweep)
        let analyze = try XCTUnwrap(pipeline.stage(named: "analyze@layers=1,pos=learned,seed=2"))
        XCTAssertEqual(analyze.dependencies.map { pipeline.stages[$0].name }, ["train@layers=1,pos=learned,seed=2"])
        XCTAssertEqual(analyze.inputs.map(\.path), ["artifacts/runs/train@layers=1,pos=learned,seed=2"])
        // A stage with a subset of the variables fans in over the rest.
        let compare = try XCTUnwrap(pipeline.stage(named: "compare@layers=2"))
        XCTAssertEqual(compare.dependencies.count, 6)
        XCTAssertTrue(compare.dependencies.allSatisfy { pipeline.stages[$0].name.hasPrefix("analyze@layers=2,") })
        XCTAssertEqual(compare.kind, .builtin(name: "figure", argument: "seeds"))
    }

    func testStagesAreTopologicallyOrdered() throws {
        let pipeline = try expand(sweep)
        for (i, stage) in pipeline.stages.enumerated() {
            XCTAssertTrue(stage.dependencies.allSatisfy { $0 < i }, stage.name)
        }
    }

    func testOverrideOfListParamChangesTheSweep() throws {
        let pipeline = try expand(sweep, overrides: ["seeds=[7]", "train.lr=3e-4"])
        XCTAssertEqual(pipeline.stages.filter { $0.baseName == "train" }.count, 4)
        XCTAssertEqual(pipeline.stage(named: "train@layers=1,pos=none,seed=7")?.params["lr"], .double(3e-4))
    }

    func testIntegerOverrideOfDoubleParamBecomesDouble() throws {
        let pipeline = try expand(sweep, overrides: ["train.lr=1"])
        XCTAssertEqual(pipeline.stage(named: "train@layers=1,pos=none,seed=0")?.params["lr"], .double(1))
    }

    func testStageParamOverride() throws {
        let yaml = """
        stages:
          a:
            cmd: echo ${greeting}
            params: {greeting: hello, n: 3}
            outputs: [artifacts/a]
        """
        let pipeline = try expand(yaml, overrides: ["a.n=5", "a.greeting=bye"])
        XCTAssertEqual(pipeline.stages[0].params, ["greeting": .string("bye"), "n": .int(5)])
        XCTAssertEqual(pipeline.stages[0].kind, .command("echo bye"))
    }

    func testForeachRows() throws {
        let yaml = """
        stages:
          run:
            cmd: "true"
            foreach:
              - {model: small, steps: 10}
              - {model: big, steps: 20}
            params: {steps: "${steps}"}
            outputs: ["artifacts/${model}.txt"]
        """
        let pipeline = try expand(yaml)
        XCTAssertEqual(pipeline.stages.map(\.name), ["run@model=small,steps=10", "run@model=big,steps=20"])
        XCTAssertEqual(pipeline.stages[1].params["steps"], .int(20))
        XCTAssertEqual(pipeline.stages[1].outputs[0].path, "artifacts/big.txt")
    }

    func testPathMatchedInputCreatesAnEdge() throws {
        let yaml = """
        stages:
          make-dir:
            cmd: "true"
            outputs: [artifacts/dir/]
          read-file:
            cmd: "true"
            inputs: [./artifacts//dir/x.txt, data/raw.csv]
            outputs: [artifacts/y.txt]
        """
        let pipeline = try expand(yaml)
        let reader = try XCTUnwrap(pipeline.stage(named: "read-file"))
        XCTAssertEqual(reader.inputs.map(\.path), ["artifacts/dir/x.txt", "data/raw.csv"])
        XCTAssertEqual(reader.inputs.map(\.producer), [0, nil])
        XCTAssertEqual(reader.dependencies, [0])
    }

    func testFolderInputHoldingOutputsDependsOnTheirStages() throws {
        let yaml = """
        stages:
          a:
            cmd: "true"
            matrix: {i: [1, 2]}
            outputs: ["artifacts/parts/${i}.txt"]
          other:
            cmd: "true"
            outputs: [artifacts/partsx.txt]
          all:
            cmd: "true"
            inputs: [artifacts/parts]
            outputs: [artifacts/all.txt]
        """
        let pipeline = try expand(yaml)
        let all = try XCTUnwrap(pipeline.stage(named: "all"))
        XCTAssertEqual(all.dependencies.map { pipeline.stages[$0].name }, ["a@i=1", "a@i=2"])
        XCTAssertEqual(all.inputs.first?.isDirectory, true)
    }

    func testLiteralDollarBrace() throws {
        let yaml = """
        stages:
          a:
            cmd: echo $${HOME} ${x}
            matrix: {x: [1]}
            outputs: ["artifacts/${x}"]
        """
        XCTAssertEqual(try expand(yaml).stages[0].kind, .command("echo ${HOME} 1"))
    }

    func testTargetSelectionIncludesDependencies() throws {
        let pipeline = try expand(sweep)
        let selected = try pipeline.selection(for: ["analyze@layers=1,pos=none,seed=0"]).map { pipeline.stages[$0].name }
        XCTAssertEqual(selected, ["train@layers=1,pos=none,seed=0", "analyze@layers=1,pos=none,seed=0"])
        XCTAssertEqual(try pipeline.selection(for: ["Figures/seeds-L2.png"]).count, 1 + 6 + 6)
        XCTAssertEqual(try pipeline.selection(for: ["train"]).count, 12)
        XCTAssertThrowsError(try pipeline.selection(for: ["trian"])) { error in
            XCTAssertEqual((error as? PipelineError)?.code, .unknownTarget)
            XCTAssertTrue("\(error)".contains("did you mean 'train'?"), "\(error)")
        }
    }

    /// A target that names no expansion says which matrix value is wrong, not which stages share
    /// its first letters (issue #27).
    func testUnknownExpansionsSayWhichMatrixValueIsMissing() throws {
        let pipeline = try expand(sweep)
        func message(_ target: String) -> String {
            do {
                _ = try pipeline.selection(for: [target])
                return "selected"
            } catch {
                XCTAssertEqual(error.code, .unknownTarget, target)
                return error.description
            }
        }
        let seed = message("train@layers=1,pos=none,seed=9")
        XCTAssertTrue(seed.contains("seed 9 is not among seeds [0, 1, 2]"), seed)
        XCTAssertFalse(seed.contains("did you mean"), "numbers are not suggested: \(seed)")
        let pos = message("train@layers=1,pos=learnd,seed=0")
        XCTAssertTrue(pos.contains("pos learnd is not among pos [none, learned]; did you mean pos=learned?"), pos)
        let variable = message("train@layer=1,pos=none,seed=0")
        XCTAssertTrue(variable.contains("stage 'train' has no matrix variable 'layer'; did you mean 'layers'?"), variable)
        let order = message("train@seed=0,layers=1,pos=none")
        XCTAssertTrue(order.contains("did you mean 'train@layers=1,pos=none,seed=0'?"), order)
        let missing = message("train@layers=1,seed=0")
        XCTAssertTrue(missing.contains("give every matrix variable of stage 'train' (pos missing)"), missing)
        let stage = message("analyse")
        XCTAssertTrue(stage.contains("did you mean 'analyze'? the stages are: train, analyze, compare"), stage)
    }

    func testPlainScalarTyping() {
        XCTAssertEqual(ParamValue.typingPlainScalar("3e-4"), .double(3e-4))
        XCTAssertEqual(ParamValue.typingPlainScalar("1.0e-4"), .double(1e-4))
        XCTAssertEqual(ParamValue.typingPlainScalar("-12"), .int(-12))
        XCTAssertEqual(ParamValue.typingPlainScalar("0x1F"), .int(31))
        XCTAssertEqual(ParamValue.typingPlainScalar("true"), .bool(true))
        XCTAssertEqual(ParamValue.typingPlainScalar("~"), .null)
        XCTAssertEqual(ParamValue.typingPlainScalar("none"), .string("none"))
        XCTAssertEqual(ParamValue.typingPlainScalar("no"), .string("no"))
        XCTAssertEqual(ParamValue.typingPlainScalar("1-2"), .string("1-2"))
        XCTAssertEqual(ParamValue.typingPlainScalar("nan"), .string("nan"))
        XCTAssertEqual(ParamValue.typingPlainScalar("2.5.1"), .string("2.5.1"))
    }
}
