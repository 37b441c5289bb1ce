import Foundation
import XCTest
import Pipeline

/// Code versions that follow the code: the build-time fingerprint tool on a copy of this
/// package's sources, and `make`/`status` with runners whose versions are built from files.
final class CodeVersionTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Copies the Swift sources and the manifest to a temporary tree; returns its root.
    func copySources() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rederive-code-\(UUID().uuidString)").path
        let fm = FileManager.default
        for module in ["Tensor", "Transformer", "Analysis", "Plot", "Recipes", "Pipeline", "Stages", "rederive"] {
            let from = Self.packageRoot + "/Sources/" + module
            for file in fm.enumerator(atPath: from)?.allObjects as? [String] ?? [] where file.hasSuffix(".swift") || file.hasSuffix(".txt") {
                let to = root + "/Sources/" + module + "/" + file
                try fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try fm.copyItem(atPath: from + "/" + file, toPath: to)
            }
        }
        return root
    }

    /// Runs the tool and parses its table: group -> file -> hash.
    func fingerprints(_ root: String) throws -> [String: [String: String]] {
        let output = root + "/Generated.swift"
        let (status, errors) = try runTool(root, output: output)
        XCTAssertEqual(status, 0, errors)
        var groups = [String: [String: String]]()
        var current = ""
        for line in try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "\"").map(String.init)
            if line.hasPrefix("        \"") && line.hasSuffix("[") { current = parts[1] }
            if line.hasPrefix("            \""), parts.count >= 4 { groups[current, default: [:]][parts[1]] = parts[3] }
        }
        return groups
    }

    /// The tool's exit status and standard error.
    func runTool(_ root: String, output: String) throws -> (Int32, String) {
        let modules = ["Tensor=Sources/Tensor:", "Transformer=Sources/Transformer:Tensor", "Analysis=Sources/Analysis:Tensor,Transformer",
                       "Plot=Sources/Plot:", "Recipes=Sources/Recipes:Tensor,Analysis,Plot", "Pipeline=Sources/Pipeline:Tensor,Plot",
                       "Stages=Sources/Stages:Pipeline", "rederive=Sources/rederive:Tensor,Transformer,Analysis,Plot,Recipes,Pipeline,Stages"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("CodeFingerprintTool-tool", "CodeFingerprintTool"))
        process.arguments = [root, root + "/Sources/Stages/CodeSources.txt", output] + modules
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    func changedGroups(_ a: [String: [String: String]], _ b: [String: [String: String]]) -> [String] {
        Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    func testEditingOneRecipeChangesThatFigureOnlyAndCommentsChangeNothing() throws {
        let root = try copySources()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let before = try fingerprints(root)
        XCTAssertNotNil(before["figure residual_pca"]?["Sources/Recipes/Recipe+PCA.swift"])
        XCTAssertNil(before["figure loss_curves"]?["Sources/Recipes/Recipe+PCA.swift"])
        XCTAssertNotNil(before["train"]?["Sources/Transformer/Trainer.swift"])
        XCTAssertNil(before["train"]?["Sources/Plot/Renderer.swift"], "training must not depend on plotting code")

        // Comments, doc comments, blank lines and re-indentation: nothing changes.
        let pca = root + "/Sources/Recipes/Recipe+PCA.swift"
        let original = try String(contentsOfFile: pca, encoding: .utf8)
        let cosmetic = "/* a block\n comment */\n/// doc\n" + original.replacingOccurrences(of: "\n", with: "\n\n    // note\n")
        try cosmetic.write(toFile: pca, atomically: true, encoding: .utf8)
        XCTAssertEqual(changedGroups(before, try fingerprints(root)), [])

        // A change to the code: that figure (and the kind-wide groups that include every recipe).
        try (original + "\nlet pcaEdit = 1\n").write(toFile: pca, atomically: true, encoding: .utf8)
        XCTAssertEqual(changedGroups(before, try fingerprints(root)), ["figure", "figure residual_pca", "slides"])
        // A string literal's spaces are behaviour.
        try (original + "\nlet pcaEdit = \"a  b\"\n").write(toFile: pca, atomically: true, encoding: .utf8)
        let spaced = try fingerprints(root)
        try (original + "\nlet pcaEdit = \"a b\"\n").write(toFile: pca, atomically: true, encoding: .utf8)
        XCTAssertEqual(changedGroups(spaced, try fingerprints(root)), ["figure", "figure residual_pca", "slides"])

        // Training code: train, analyze (which loads checkpoints) and the figures that read its types.
        let trainer = root + "/Sources/Transformer/Trainer.swift"
        try (try String(contentsOfFile: trainer, encoding: .utf8) + "\nlet trainerEdit = 1\n").write(toFile: trainer, atomically: true, encoding: .utf8)
        XCTAssertTrue(changedGroups(before, try fingerprints(root)).contains("train"))
    }

    func testANewlyRegisteredKindIsCoveredByItsCommandFileWithoutAManifestLine() throws {
        let root = try copySources()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let before = try fingerprints(root)
        XCTAssertNotNil(before["train"]?["Sources/rederive/TrainCommand.swift"])
        XCTAssertNotNil(before["train"]?["Sources/Stages/StudyStages.swift"])
        XCTAssertNil(before["train"]?["Sources/rederive/AnalyzeCommand.swift"])

        // Registered, but its subcommand's file is missing: the build fails and names the file.
        let registry = root + "/Sources/Stages/StudyStages.swift"
        let text = try String(contentsOfFile: registry, encoding: .utf8)
        try (text + "\nlet sweep = ToolStageRunner(kind: \"sweep\", params: []) { _ in [\"sweep\"] }\n")
            .write(toFile: registry, atomically: true, encoding: .utf8)
        let (status, errors) = try runTool(root, output: root + "/Generated.swift")
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(errors.contains("stage kind 'sweep'") && errors.contains("Sources/rederive/SweepCommand.swift"), errors)

        // With it, the kind has a version built from that file and the registry, and no manifest line.
        try "import Transformer\nstruct Sweep {}\n".write(toFile: root + "/Sources/rederive/SweepCommand.swift", atomically: true, encoding: .utf8)
        let after = try fingerprints(root)
        XCTAssertNotNil(after["sweep"]?["Sources/rederive/SweepCommand.swift"])
        XCTAssertNotNil(after["sweep"]?["Sources/Transformer/Trainer.swift"], "the command's imports are followed")
        XCTAssertNotNil(after["sweep"]?["Sources/Stages/StudyStages.swift"])
        XCTAssertFalse(try String(contentsOfFile: root + "/Sources/Stages/CodeSources.txt", encoding: .utf8).contains("sweep"))
    }

    let twoFigures = """
    stages:
      train:
        kind: train
        outputs: [artifacts/run/]
      figure:
        kind: figure ${recipe}
        foreach:
          - {recipe: a}
          - {recipe: b}
        inputs: ["stage:train"]
        outputs: ["Figures/${recipe}.png"]
    """

    func testAnEditedSourceFileRerunsOnlyTheStagesBuiltFromItAndStatusNamesIt() throws {
        let project = try TestProject(twoFigures)
        let runs = RunLog()
        let shared = ["Sources/Plot/Axis.swift": "01"]
        func register(a: String, b: String) {
            project.registry.register(FakeRunner(kind: "train", version: "", log: runs, sources: ["train": ["Sources/Train.swift": "aa"]]))
            project.registry.register(FakeRunner(kind: "figure", version: "", log: runs, sources: [
                "a": shared.merging(["Sources/Recipes/Recipe+A.swift": a]) { x, _ in x },
                "b": shared.merging(["Sources/Recipes/Recipe+B.swift": b]) { x, _ in x }]))
        }
        register(a: "10", b: "20")
        XCTAssertEqual(try project.make().ran.count, 3)
        let lock = try XCTUnwrap(project.read("Pipelines/p.lock"))
        XCTAssertTrue(lock.contains("\"sources\""), lock)
        XCTAssertTrue(lock.contains("\"Sources/Recipes/Recipe+A.swift\":\"10\""), lock)

        register(a: "11", b: "20")
        let plan = try project.make(dryRun: true).plan
        XCTAssertEqual(plan.map(\.stage), ["figure@recipe=a"])
        XCTAssertEqual(plan.first?.reasons.map(\.description), ["code changed: Sources/Recipes/Recipe+A.swift"])
        XCTAssertEqual(try project.make().ran, ["figure@recipe=a"])
        XCTAssertEqual(try project.make().ran, [])
    }

    func testALockFromBeforeSourceHashesSaysCodeChanged() throws {
        let project = try TestProject(twoFigures)
        let runs = RunLog()
        project.registry.register(FakeRunner(kind: "train", version: "2", log: runs))
        project.registry.register(FakeRunner(kind: "figure", version: "2", log: runs))
        try project.make()
        // The format-1 lock's "train/2" against a version built from files.
        project.registry.register(FakeRunner(kind: "train", version: "", log: runs, sources: ["train": ["Sources/Train.swift": "aa"]]))
        let plan = try project.make(dryRun: true).plan
        XCTAssertEqual(plan.first?.stage, "train")
        XCTAssertTrue(plan.first?.reasons.first?.description.hasPrefix("code changed (code version train/2 -> train@") == true)
        XCTAssertEqual(try project.make().ran, ["train"], "identical outputs: the figures stay (early cut-off)")
    }
}

/// `--force` and failure reports.
final class ForceAndFailureTests: XCTestCase {
    let chain = """
    stages:
      gen:
        cmd: seq 1 3 > "$OUT"
        outputs: [artifacts/numbers.txt]
      double:
        cmd: while read x; do echo $((x * 2)); done < "$IN" > "$OUT"
        inputs: ["stage:gen"]
        outputs: [artifacts/doubled.txt]
    """

    func testForceRerunsTheTargetOnlyAndForceUpstreamItsDependenciesToo() throws {
        let project = try TestProject(chain)
        XCTAssertEqual(try project.make().ran, ["gen", "double"])
        XCTAssertEqual(try project.make(["double"], force: true).ran, ["double"])
        XCTAssertEqual(try project.make(["double"], force: true, forceUpstream: true).ran, ["gen", "double"])
        XCTAssertEqual(try project.make(force: true).ran, ["gen", "double"])
    }

    func testAFailedStageReportsTheLastLinesOfItsOutput() throws {
        let project = try TestProject("""
        stages:
          bad:
            cmd: for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "line $i"; done; echo "disk full, cannot write x" >&2; exit 3
            outputs: [artifacts/x.txt]
        """)
        let result = try project.make()
        let failure = try XCTUnwrap(result.failed.first)
        XCTAssertTrue(failure.message.hasPrefix("command exited with status 3"), failure.message)
        XCTAssertTrue(failure.message.hasSuffix("\n  | disk full, cannot write x"), failure.message)
        XCTAssertTrue(failure.message.contains("| line 12"))
        XCTAssertFalse(failure.message.contains("| line 2\n"), "only the last lines")
        XCTAssertEqual(failure.log.map { ($0 as NSString).lastPathComponent }, "bad.log")
    }
}
