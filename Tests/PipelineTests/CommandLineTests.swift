import Foundation
import XCTest

/// The command line's contract (issue #27): exit code 2 for every usage error, 0 for success,
/// help without arguments, and "did you mean" for a mistyped subcommand at any depth.
final class CommandLineTests: XCTestCase {
    /// Runs the built `rederive` with `arguments`: its exit status, standard output and error.
    func rederive(_ arguments: String...) throws -> (status: Int32, out: String, error: String) {
        try rederive(in: NSTemporaryDirectory(), arguments)
    }

    func rederive(in folder: String, _ arguments: String...) throws -> (status: Int32, out: String, error: String) {
        try rederive(in: folder, arguments)
    }

    func rederive(in folder: String, _ arguments: [String]) throws -> (status: Int32, out: String, error: String) {
        try runRederive(in: folder, arguments)
    }

    func testMistypedSubcommandsGetTheirSuggestion() throws {
        for (typed, meant) in [("trian", "train"), ("mkae", "make"), ("analyse", "analyze"), ("stauts", "status"), ("chekc", "check")] {
            let result = try rederive(typed, "--config", "x.yaml")
            XCTAssertEqual(result.status, 2, typed)
            XCTAssertTrue(result.error.contains("'\(typed)' is not a rederive subcommand; did you mean '\(meant)'?"), result.error)
        }
        let nested = try rederive("bench", "trian")
        XCTAssertEqual(nested.status, 2)
        XCTAssertTrue(nested.error.contains("did you mean 'train'? the subcommands are: train, analyze, report"), nested.error)
    }

    /// A new researcher's first minutes (issue #23): `init`, then `make` and `check --exact` pass
    /// in the new folder; `init` refuses a folder that holds anything.
    func testInitWritesAProjectThatMakesAndChecks() throws {
        let folder = NSTemporaryDirectory() + "rederive-init-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        XCTAssertEqual(try rederive("init", folder).status, 0)
        for file in ["Pipelines/main.yaml", "figures/loss.vl.json", "figures/final.vl.json", ".gitignore", "ci.sh"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + file), file)
        }
        let make = try rederive(in: folder, "make")
        XCTAssertEqual(make.status, 0, make.error)
        for figure in ["loss.png", "loss.pdf", "final.png", "slides.pdf"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/Figures/" + figure), figure)
        }
        let check = try rederive(in: folder, "check", "--exact")
        XCTAssertEqual(check.status, 0, check.out + check.error)
        XCTAssertTrue(check.out.contains("0 failed"), check.out)
        let again = try rederive("init", folder)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.error.contains("holds files that Rederive did not make"), again.error)
    }

    func testExitCodes() throws {
        let none = try rederive()
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.out.contains("SUBCOMMANDS:"), none.out)
        XCTAssertEqual(try rederive("analyze").status, 2)  // a missing argument
        XCTAssertEqual(try rederive("status", "--bogus").status, 2)  // an unknown option
        XCTAssertEqual(try rederive("analyze", "x", "--out", "y", "--sequences", "1").status, 2)  // a value out of range
        XCTAssertEqual(try rederive("--help").status, 0)
        XCTAssertEqual(try rederive("--version").status, 0)
        // A file that cannot be used is a failure of the command, not of its usage.
        let missing = try rederive("analyze", "/nonexistent/run", "--out", NSTemporaryDirectory() + "rederive-cli-\(UUID().uuidString)")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.error.contains("/nonexistent/run: no such file or folder"), missing.error)
    }

    /// A fresh `rederive init` project, built.
    func builtProject() throws -> String {
        let folder = NSTemporaryDirectory() + "rederive-cli-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        XCTAssertEqual(try rederive("init", folder).status, 0)
        let make = try rederive(in: folder, "make")
        XCTAssertEqual(make.status, 0, make.error)
        return folder
    }

    /// `clean` lists each path with its size and its stage's build time; without a terminal it
    /// never asks, and removes nothing unless -y (issue #27).
    func testCleanListsWhatGoesAndNeverAsksWithoutATerminal() throws {
        let folder = try builtProject()
        let refused = try rederive(in: folder, "clean", "--committed")
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.error.contains("removed nothing. Standard input is not a terminal"), refused.error)
        XCTAssertTrue(refused.out.contains("remove data/loss.csv  "), refused.out)
        XCTAssertTrue(refused.out.contains("built by data in "), refused.out)
        XCTAssertNotNil(refused.out.range(of: #"path\(s\), [0-9.]+ kB; building them took "#, options: .regularExpression), refused.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/data/loss.csv"), "nothing removed without -y")

        let dry = try rederive(in: folder, "clean", "--committed", "-n", "--json")
        XCTAssertEqual(dry.status, 0, dry.error)
        let plan = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dry.out.utf8)) as? [String: Any], dry.out)
        let paths = try XCTUnwrap(plan["paths"] as? [[String: Any]])
        let csv = try XCTUnwrap(paths.first { ($0["path"] as? String)?.hasSuffix("/data/loss.csv") == true }, "\(paths)")
        XCTAssertEqual(csv["bytes"] as? Int, (try FileManager.default.attributesOfItem(atPath: folder + "/data/loss.csv")[.size] as? Int))
        XCTAssertEqual(csv["stage"] as? String, "data")
        XCTAssertEqual(plan["removed"] as? Bool, false)

        let yes = try rederive(in: folder, "clean", "--committed", "-y")
        XCTAssertEqual(yes.status, 0, yes.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/data/loss.csv"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/Pipelines/main.yaml"), "the project's sources stay")
    }

    /// At a terminal `clean` asks, and only "y" removes. script(1) gives it one.
    func testCleanAsksAtATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("no script(1) to give clean a terminal") }
        let folder = try builtProject()
        let rederive = try builtExecutable("rederive")
        for (answer, removes) in [("n", false), ("", false), ("y", true)] {
            let result = try runProcess("/bin/sh", ["-c", "printf '\(answer)\\n' | script -qec '\(rederive) clean --committed' /dev/null"], in: folder)
            XCTAssertEqual(result.status, 0, result.out + result.error)
            XCTAssertTrue(result.out.contains("would remove data/loss.csv") && result.out.contains("? [y/N]"), result.out)
            XCTAssertEqual(FileManager.default.fileExists(atPath: folder + "/data/loss.csv"), !removes, "answer '\(answer)': \(result.out)")
        }
    }

    /// -q prints nothing on stdout; --json prints one line of JSON, the same facts as the text.
    func testQuietAndJSONOutput() throws {
        let folder = try builtProject()
        for command in [["make"], ["status"], ["make", "-n"]] {
            let quiet = try rederive(in: folder, command + ["-q"])
            XCTAssertEqual(quiet.status, 0, quiet.error)
            XCTAssertEqual(quiet.out, "", "\(command) -q")
        }
        try "step,loss,run\n0,1,fast\n".write(toFile: folder + "/data/loss.csv", atomically: true, encoding: .utf8)
        let status = try rederive(in: folder, "status", "--json")
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any], status.out)
        XCTAssertEqual(report["out_of_date"] as? Int, 4, "data and the three stages that read it: \(status.out)")
        let first = (report["stages"] as? [[String: Any]])?.first
        XCTAssertEqual(first?["stage"] as? String, "data", status.out)
        XCTAssertEqual(first?["reasons"] as? [String], ["output modified: data/loss.csv"], status.out)
        let make = try rederive(in: folder, "make", "--json")
        XCTAssertEqual(make.out.split(separator: "\n").count, 1, make.out)
        let result = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(make.out.utf8)) as? [String: Any], make.out)
        XCTAssertEqual(result["ran"] as? [String], ["data"])
        XCTAssertEqual(result["exit_status"] as? Int, 0)

        let dag = try rederive(in: folder, "dag", "--json")
        let graph = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dag.out.utf8)) as? [String: Any], dag.out)
        let loss = (graph["stages"] as? [[String: Any]])?.first { $0["stage"] as? String == "loss" }
        XCTAssertEqual(loss?["depends_on"] as? [String], ["data"], dag.out)
        XCTAssertEqual(loss?["kind"] as? String, "vega-lite", dag.out)

        let config = try Self.repositoryFile("Configs/tiny.yaml")
        let train = try rederive(in: folder, "train", "--config", config, "--out", "run", "--steps", "3", "--json")
        XCTAssertEqual(train.status, 0, train.error)
        let trained = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(train.out.utf8)) as? [String: Any], train.out)
        XCTAssertEqual(trained["step"] as? Int, 3)
        XCTAssertEqual(trained["model"] as? String, "run/model.safetensors")
        XCTAssertFalse(train.error.contains("step 3/3"), "--json keeps progress off stderr: \(train.error)")
    }

    /// Every bench line is JSON from the one writer: parseable, keys as documented, and no NaN
    /// (JSON has none).
    func testBenchLinesAreJSON() throws {
        let root = URL(fileURLWithPath: try Self.repositoryFile("Package.swift")).deletingLastPathComponent().path
        let out = NSTemporaryDirectory() + "rederive-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let runs: [([String], String)] = [
            (["bench", "plot", "--reps", "2", "--out", out], "png_ms_median"),
            (["bench", "train", "--preset", "study", "--steps", "2", "--warmup", "0"], "step_ms_median"),
            (["bench", "vega-lite", "--runs", "1"], "png_ms_median"),
        ]
        for (arguments, key) in runs {
            let result = try rederive(in: root, arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.error)")
            let lines = result.out.split(separator: "\n")
            XCTAssertFalse(lines.isEmpty, "\(arguments)")
            for line in lines {
                let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
                XCTAssertNotNil(object[key], "\(arguments): \(line)")
            }
        }
    }

    /// A stage that diverges inside make keeps its post-mortem beside its run, in a folder that
    /// exists after make, and the advice fits make (issue #27).
    func testDivergedStageKeepsItsPostMortemInARealFolder() throws {
        let folder = NSTemporaryDirectory() + "rederive-diverge-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var config = try String(contentsOfFile: try Self.repositoryFile("Configs/tiny.yaml"), encoding: .utf8)
        for (key, value) in [("lr", "1.0e+30"), ("warmup_steps", "0"), ("grad_clip", "1.0e+30"), ("checkpoint_every", "1")] {
            config = config.replacingOccurrences(of: #"(?m)^\#(key): .*$"#, with: "\(key): \(value)", options: .regularExpression)
        }
        try FileManager.default.createDirectory(atPath: folder + "/Pipelines", withIntermediateDirectories: true)
        try config.write(toFile: folder + "/diverges.yaml", atomically: true, encoding: .utf8)
        try "stages:\n  train:\n    kind: train\n    inputs: {config: diverges.yaml}\n    outputs: {run: artifacts/runs/tiny/}\n"
            .write(toFile: folder + "/Pipelines/p.yaml", atomically: true, encoding: .utf8)
        let make = try rederive(in: folder, "make")
        XCTAssertEqual(make.status, 1, make.out + make.error)
        let keep = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path + "/artifacts/runs/tiny.post-mortem/checkpoints"
        let kept = (try? FileManager.default.contentsOfDirectory(atPath: keep)) ?? []
        let diverged = try XCTUnwrap(kept.first { $0.hasPrefix("diverged-step-") }, "\(kept)")
        XCTAssertTrue(kept.contains { $0.hasPrefix("step-") }, "the last good checkpoint is kept too: \(kept)")
        let said = make.out + make.error
        XCTAssertTrue(said.contains("tiny.post-mortem/checkpoints/" + diverged), said)
        XCTAssertTrue(said.contains("run make again"), said)
        XCTAssertFalse(said.contains("--overwrite") || said.contains(".rederive-tmp"), said)
    }

    /// A bad config read by one expansion of a matrix is reported with that expansion's name and
    /// the file it read, not only at the `${design}` template (issue #27).
    func testConfigErrorsInAMatrixNameTheExpansionAndTheFile() throws {
        let folder = NSTemporaryDirectory() + "rederive-matrix-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/Pipelines", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/configs", withIntermediateDirectories: true)
        let tiny = try String(contentsOfFile: try Self.repositoryFile("Configs/tiny.yaml"), encoding: .utf8)
        try tiny.write(toFile: folder + "/configs/good.yaml", atomically: true, encoding: .utf8)
        try (tiny + "n_layrs: 3\n").write(toFile: folder + "/configs/bad.yaml", atomically: true, encoding: .utf8)
        try """
            stages:
              train:
                kind: train
                matrix: {design: [good, bad]}
                inputs: {config: "configs/${design}.yaml"}
                outputs: {run: "artifacts/runs/${design}/"}

            """.write(toFile: folder + "/Pipelines/p.yaml", atomically: true, encoding: .utf8)
        let status = try rederive(in: folder, "status")
        XCTAssertEqual(status.status, 2, status.out)
        XCTAssertTrue(status.error.contains("stage 'train@design=bad'"), status.error)
        XCTAssertTrue(status.error.contains("configs/bad.yaml"), status.error)
        XCTAssertTrue(status.error.contains("did you mean 'n_layers'?"), status.error)
    }

    /// The project's file at `path`.
    static func repositoryFile(_ path: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let file = root + "/" + path
        XCTAssertTrue(FileManager.default.fileExists(atPath: file), file)
        return file
    }
}

/// Runs the built `rederive` in `folder`, standard input empty (not a terminal): its exit status,
/// standard output and standard error.
func runRederive(in folder: String, _ arguments: [String]) throws -> (status: Int32, out: String, error: String) {
    try runProcess(try builtExecutable("rederive"), arguments, in: folder)
}

/// Runs `executable` in `folder` as `runRederive` does.
func runProcess(_ executable: String, _ arguments: [String], in folder: String) throws -> (status: Int32, out: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let (out, error) = (Pipe(), Pipe())
    process.standardOutput = out
    process.standardError = error
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Both pipes are drained at once, so that a command writing much to one cannot block on it.
    let errorText = DrainedPipe(error)
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), errorText.text)
}

/// A pipe read to its end on another thread.
final class DrainedPipe: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Waits for the end of the pipe.
    var text: String {
        done.wait()
        done.signal()
        return String(decoding: data, as: UTF8.self)
    }
}
