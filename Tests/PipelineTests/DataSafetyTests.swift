#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Pipeline
import PipelineGraphics
import XCTest

/// Issue #22, the pipeline's half: `make`, `status`, `clean` and `check` delete or replace only
/// what Rederive made, write only inside the project (or a folder they made), and end in
/// seconds on loops, FIFOs, devices, alias bombs and huge matrices. Every case runs in a
/// `Sandbox` whose canaries (files Rederive did not make, in and around the project) must come
/// out byte-identical.
final class DataSafetyTests: XCTestCase {
    // MARK: Folder outputs

    func testAFirstMakeOfAnOutputFolderHoldingTheUsersFilesIsRefusedBeforeItRuns() throws {
        let box = try Sandbox("""
            stages:
              gen:
                cmd: echo new > "$OUT/raw.csv"
                outputs: [data/]
            """, canaries: ["data/raw.csv"])
        let dry = try box.project.make(dryRun: true)
        XCTAssertEqual(dry.plan.first?.reasons, [.neverBuilt, .refusedOutputFolder("data")], "a dry run says make will refuse")
        let result = try box.project.make()
        XCTAssertEqual(result.ran, [])
        let message = try XCTUnwrap(result.failed.first?.message)
        XCTAssert(message.contains("p.yaml:4"), message)
        XCTAssert(message.contains("data"), message)
        XCTAssert(message.contains("'gen'"), message)
        XCTAssertFalse(box.project.exists("artifacts/logs/p/gen.log"), "refused before it ran")
        box.assertCanariesIntact()
    }

    func testAnUnmarkedOutputFolderTheLockRecordsIsRebuilt() throws {
        let box = try Sandbox("""
            stages:
              gen:
                cmd: echo "$PARAM_N" > "$OUT/n.txt"
                params: {n: 1}
                outputs: [artifacts/run/]
            """)
        XCTAssertEqual(try box.project.make().ran, ["gen"])
        // As a build from before folder markers left it.
        try FileManager.default.removeItem(atPath: box.root + "/artifacts/run/.rederive-folder")
        let result = try box.project.make(set: ["gen.n=2"])
        XCTAssertEqual(result.ran, ["gen"], "\(result.failed)")
        XCTAssertEqual(box.project.read("artifacts/run/n.txt"), "2\n")
        box.assertCanariesIntact()
    }

    func testOutputsOntoThePipelinesGitOrTheirFilesAreRefusedAtParse() throws {
        for output in ["Pipelines/", ".git/", "Pipelines/p.lock", ".git/config", "Pipelines/notes/"] {
            let box = try Sandbox("stages:\n  s:\n    cmd: echo > \"$OUT\"\n    outputs: [\(output)]\n")
            let error = box.pipelineError { try box.project.make() }
            XCTAssertEqual(error?.code, .invalidPath, output)
            XCTAssertEqual(error?.location?.line, 4, output)
            box.assertCanariesIntact()
        }
    }

    func testOutputsThatResolveOutsideTheProjectOrOntoItAreRefusedAtParse() throws {
        let cases: [(link: String, target: String, output: String)] = [
            ("out", "../outside", "out/x.txt"), ("here", ".", "here/"), ("up", "..", "up/outside/"),
            ("pipes", "Pipelines", "pipes/"), ("deep/git", "../.git", "deep/git/x"),
        ]
        for (link, target, output) in cases {
            let box = try Sandbox("stages:\n  s:\n    cmd: echo > \"$OUT\"\n    outputs: [\(output)]\n")
            try box.symlink(link, to: target)
            let error = box.pipelineError { try box.project.make() }
            XCTAssertEqual(error?.code, .invalidPath, output)
            XCTAssertEqual(error?.location?.line, 4, output)
            box.assertCanariesIntact()
        }
    }

    func testAnOutputFolderHoldingAnotherStagesSourceInputIsRefusedAtParse() throws {
        let box = try Sandbox("stages: {}\n", canaries: ["configs/c.txt"])
        // An absolute input inside the project is no stage's output by its path: only resolving shows the overlap.
        try box.project.write("Pipelines/p.yaml", """
            stages:
              read:
                cmd: cat "$IN" > "$OUT"
                inputs: [\(box.root)/configs/c.txt]
                outputs: [artifacts/c.txt]
              wipe:
                cmd: echo > "$OUT/x"
                outputs: [configs/]
            """)
        let error = box.pipelineError { try box.project.make() }
        XCTAssertEqual(error?.code, .invalidPath)
        XCTAssertEqual(error?.location?.line, 8)
        box.assertCanariesIntact()
    }

    // MARK: clean

    func testCleanRemovesOnlyWhatARecordedBuildWrote() throws {
        let box = try Sandbox("""
            stages:
              built:
                cmd: echo b > "$OUT"
                outputs: [artifacts/built.txt]
              edited:
                cmd: echo e > "$OUT"
                outputs: [artifacts/edited.txt]
              never:
                cmd: echo n > "$OUT/thesis.tex"
                outputs: [artifacts/mine/]
            """, canaries: ["artifacts/mine/thesis.tex", "artifacts/logs/p/keep.txt", "artifacts/logs/p/never.log.mine",
                            "artifacts/.rederive/keep.txt"])
        let made = try box.project.make()
        XCTAssertEqual(Set(made.ran), ["built", "edited"])
        try box.project.write("artifacts/edited.txt", "the user's edit\n")
        let removed = try box.clean()
        XCTAssert(removed.contains(box.root + "/artifacts/built.txt"), "\(removed)")
        XCTAssert(removed.contains(box.root + "/artifacts/logs/p/built.log"), "\(removed)")
        XCTAssertFalse(box.project.exists("artifacts/built.txt"))
        XCTAssertEqual(box.project.read("artifacts/edited.txt"), "the user's edit\n", "changed since it was built: kept")
        box.assertCanariesIntact()
        // The next make rebuilds what clean removed, and nothing else.
        XCTAssertEqual(try box.project.make(["built"]).ran, ["built"])
    }

    func testCleanDuringAMakeAndAMakeDuringACleanNameTheOther() throws {
        let box = try Sandbox("stages:\n  s:\n    cmd: echo > \"$OUT\"\n    outputs: [artifacts/s.txt]\n")
        let path = box.root + "/artifacts/.rederive/p.pid"
        try FileManager.default.createDirectory(atPath: box.root + "/artifacts/.rederive", withIntermediateDirectories: true)
        for (holder, refused, expected) in [("clean", "make", "a rederive clean is running on pipeline 'p' (pid 4242)"), ("make", "clean", "another rederive make (pid 4242) is running")] {
            let fd = open(path, O_RDWR | O_CREAT, 0o644)
            XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
            ftruncate(fd, 0)
            _ = "4242\n\(holder)\n".withCString { write(fd, $0, strlen($0)) }
            let error = box.pipelineError { if refused == "make" { try box.project.make() } else { try box.clean() } }
            XCTAssertEqual(error?.code, .locked)
            XCTAssert(error?.message.contains(expected) == true, "\(String(describing: error))")
            close(fd)
        }
        box.assertCanariesIntact()
    }

    // MARK: Everything inside the project

    func testArtifactsOutsideTheProjectAreRefusedAtParse() throws {
        for artifacts in ["../userdata", "/tmp", "artifacts/../../userdata", ".git/x", "Pipelines"] {
            let box = try Sandbox("artifacts: \(artifacts)\nstages:\n  s:\n    cmd: echo > \"$OUT\"\n    outputs: [Figures/s.txt]\n")
            for command in ["make", "status", "clean"] {
                let error = box.pipelineError {
                    switch command {
                    case "make": try box.project.make()
                    case "status": _ = try box.status()
                    default: try box.clean()
                    }
                }
                XCTAssertEqual(error?.code, .invalidPath, "\(artifacts) \(command)")
                XCTAssertEqual(error?.location?.line, 1, "\(artifacts) \(command)")
            }
            box.assertCanariesIntact()
        }
    }

    func testArtifactsOrLogsLinkedOutsideTheProjectAreRefused() throws {
        for (link, target) in [("artifacts", "../userdata"), ("artifacts/logs", "../../userdata/logs")] {
            let box = try Sandbox("stages:\n  s:\n    cmd: echo > \"$OUT\"\n    outputs: [Figures/s.txt]\n")
            try box.symlink(link, to: target)
            let error = box.pipelineError { try box.project.make() }
            XCTAssertEqual(error?.code, .invalidPath, link)
            _ = box.pipelineError { try box.clean() }
            box.assertCanariesIntact()
        }
    }

    func testMatrixValuesLikePathsKeepTheStagesLogInsideTheLogFolder() throws {
        for value in ["../../../../../outside/escaped", "a/b", "..", ".hidden"] {
            let box = try Sandbox("""
                stages:
                  s:
                    cmd: echo > "$OUT"
                    matrix: {v: ["\(value)"]}
                    outputs: [artifacts/s.txt]
                """)
            XCTAssertEqual(try box.project.make().ran, ["s@v=\(value)"])
            let logs = box.project.files(under: "artifacts/logs/p")
            XCTAssertEqual(logs, ["s@v=" + value.replacingOccurrences(of: "/", with: "%2F") + ".log"], value)
            box.assertCanariesIntact()
            try box.clean()
            XCTAssertEqual(box.project.files(under: "artifacts/logs"), [], "clean removes the log it named: \(value)")
        }
    }

    func testMatrixValuesWithControlCharactersAreRefusedAtTheirLine() throws {
        let box = try Sandbox("stages:\n  s:\n    cmd: echo > \"$OUT\"\n    matrix: {v: [\"nul\\0byte\", \"new\\nline\"]}\n    outputs: [\"artifacts/${v}.txt\"]\n")
        let error = box.pipelineError { try box.project.make() }
        XCTAssertEqual(error?.code, .invalidName)
        XCTAssertEqual(error?.location?.line, 4)
        box.assertCanariesIntact()
    }

    // MARK: Bounded work

    func testASymlinkLoopInAnInputFolderEndsInSecondsWithTheLink() throws {
        let box = try Sandbox("""
            stages:
              s:
                cmd: ls "$IN" > "$OUT"
                inputs: [data/]
                outputs: [artifacts/list.txt]
            """, canaries: ["data/raw.csv"])
        try box.symlink("data/a", to: ".")
        try box.symlink("data/b", to: ".")
        for command in ["status", "make"] {
            let message = errorWithin(30) { if command == "status" { _ = try box.status() } else { try box.project.make().throwFirstFailure() } }
            XCTAssert(["a", "b"].contains { message?.contains(box.root + "/data/\($0) ") == true }, "\(command): \(message ?? "")")
            XCTAssert(message?.contains("loop") == true, "\(command): \(message ?? "")")
        }
        box.assertCanariesIntact()
    }

    func testAFIFOInAnInputFolderOrADeviceAsAnInputIsRefusedWithItsPath() throws {
        let box = try Sandbox("""
            stages:
              folder:
                cmd: ls "$IN" > "$OUT"
                inputs: [data/]
                outputs: [artifacts/list.txt]
              device:
                cmd: head -c 4 "$IN" > "$OUT"
                inputs: [/dev/zero]
                outputs: [artifacts/zero.bin]
            """, canaries: ["data/raw.csv"])
        XCTAssertEqual(mkfifo(box.root + "/data/pipe", 0o644), 0)
        let fifo = errorWithin(30) { try box.project.make(["folder"]).throwFirstFailure() }
        XCTAssert(fifo?.contains("data/pipe") == true && fifo?.contains("FIFO") == true, fifo ?? "")
        let device = errorWithin(30) { try box.project.make(["device"]).throwFirstFailure() }
        XCTAssert(device?.contains("/dev/zero") == true && device?.contains("device") == true, device ?? "")
        let status = errorWithin(30) { _ = try box.status() }
        XCTAssert(status?.contains("data/pipe") == true, status ?? "")
        box.assertCanariesIntact()
    }

    func testAYAMLAliasBombUnderParamsIsRefusedAtItsLineInSeconds() throws {
        var yaml = "params:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            yaml += "  l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let asKeys = yaml + "  keys: {*l9 : 1}\nstages:\n  s:\n    cmd: echo > \"$OUT\"\n    outputs: [artifacts/s.txt]\n"
        yaml += "stages:\n  s:\n    cmd: echo > \"$OUT\"\n    params: {all: \"${l9}\"}\n    outputs: [artifacts/s.txt]\n"
        for text in [yaml, asKeys] {
            let box = try Sandbox(text)
            let message = errorWithin(30) { _ = try box.status() }
            XCTAssert(message?.contains("alias") == true, message ?? "")
            XCTAssert(message?.contains("p.yaml:") == true, message ?? "")
            box.assertCanariesIntact()
        }
    }

    func testOrdinaryAliasesAreStillRead() throws {
        let box = try Sandbox("""
            params:
              seeds: &seeds [0, 1, 2]
              again: *seeds
            stages:
              s:
                cmd: echo "$PARAM_V" > "$OUT"
                matrix: {v: "${again}"}
                params: {v: "${v}"}
                outputs: ["artifacts/s-${v}.txt"]
            """)
        XCTAssertEqual(try box.project.make().ran.count, 3)
        XCTAssertEqual(box.project.read("artifacts/s-2.txt"), "2\n")
    }

    func testAHugeMatrixIsRefusedWithItsProductBeforeAnythingIsAllocated() throws {
        let thousand = "[" + (0..<1000).map(String.init).joined(separator: ", ") + "]"
        for (variables, shown) in [(4, "10^12"), (2, "10^6")] {
            let matrix = (0..<variables).map { "v\($0): \(thousand)" }.joined(separator: ", ")
            let box = try Sandbox("stages:\n  x:\n    cmd: echo > \"$OUT\"\n    matrix: {\(matrix)}\n    outputs: [\"artifacts/${name}.txt\"]\n")
            let message = errorWithin(30) { _ = try box.status() }
            XCTAssert(message?.contains("matrix of stage x expands to \(shown) stages (limit 100,000)") == true, message ?? "")
            XCTAssert(message?.contains("p.yaml:4") == true, message ?? "")
            box.assertCanariesIntact()
        }
    }

    // MARK: check

    private func check(_ box: Sandbox, report: String? = nil, scratch: String? = nil) throws -> ReproductionCheck.Result {
        var options = ReproductionCheck.Options()
        options.exact = true
        options.report = report
        options.scratch = scratch
        let project = try XCTUnwrap(try Project.locate(box.project.pipelinePath, from: box.root))
        return try ReproductionCheck(project: project, options: options)
            .run(registry: box.project.registry, console: Console(interactive: false, quiet: true))
    }

    private let copyPipeline = """
        stages:
          copy:
            cmd: cat "$IN" > "$OUT"
            inputs: [../shared/data.csv]
            outputs: [Figures/data.csv]
        """

    func testCheckRefusesAReportOrScratchFolderItDidNotMake() throws {
        let box = try Sandbox(copyPipeline)
        XCTAssertEqual(try box.project.make().exitCode, 0)
        try FileManager.default.createDirectory(atPath: box.root + "/artifacts/run", withIntermediateDirectories: true)
        try "rederive run\n".write(toFile: box.root + "/artifacts/run/.rederive-folder", atomically: false, encoding: .utf8)
        try box.plant("artifacts/run/model.safetensors")
        for (report, scratch) in [(box.base + "/outside", nil), (box.root + "/notes", nil), (box.root + "/artifacts/run", nil),
                                  (nil, box.root), (nil, box.root + "/notes"), (nil, box.base),
                                  (nil, box.base + "/shared"), (nil, box.root + "/Figures"),
                                  (box.root + "/.git/report", nil), (nil, box.root + "/Pipelines/scratch")] {
            let error = box.pipelineError { _ = try self.check(box, report: report, scratch: scratch) }
            XCTAssertEqual(error?.code, .invalidPath, "report \(report ?? "-") scratch \(scratch ?? "-")")
        }
        box.assertCanariesIntact()
    }

    func testCheckCopiesInputsFromOutsideUnderAMappedNameAndNeverTouchesThem() throws {
        let box = try Sandbox(copyPipeline)
        XCTAssertEqual(try box.project.make().exitCode, 0)
        // The scratch beside the input's folder: "../shared/data.csv" seen from it is the source.
        let result = try check(box, scratch: box.base + "/scratch")
        XCTAssert(result.passed, "\(result.comparisons) \(result.buildFailure ?? "")")
        let copies = FileManager.default.subpaths(atPath: box.base + "/scratch")?.filter { $0.hasPrefix("_external/") && $0.hasSuffix("/data.csv") }
        XCTAssertEqual(copies?.count, 1, "\(copies ?? [])")
        box.assertCanariesIntact(allowing: ["scratch"])
        // Again, into the folder the first check made: allowed, and the source is still untouched.
        XCTAssert(try check(box, scratch: box.base + "/scratch").passed)
        box.assertCanariesIntact(allowing: ["scratch"])
    }

    func testCheckRefusesAScratchInsideAnInputFolderEvenWhenItIsNew() throws {
        let box = try Sandbox("""
            stages:
              list:
                cmd: ls "$IN" > "$OUT"
                inputs: [notes/]
                outputs: [Figures/list.txt]
            """)
        XCTAssertEqual(try box.project.make().exitCode, 0)
        let error = box.pipelineError { _ = try self.check(box, scratch: box.root + "/notes/scratch") }
        XCTAssertEqual(error?.code, .invalidPath)
        XCTAssert(error?.message.contains("notes") == true, "\(String(describing: error))")
        XCTAssertFalse(box.project.exists("notes/scratch"))
        box.assertCanariesIntact()
    }

    func testCheckReplacesAnOlderChecksReportButNoFolderWithOtherFiles() throws {
        let box = try Sandbox(copyPipeline)
        XCTAssertEqual(try box.project.make().exitCode, 0)
        try box.project.write("artifacts/check-report/index.html", "<html>an older check's report</html>\n")
        try box.project.write("artifacts/check-report/Figures_x.png.diff.png", "old difference image\n")
        XCTAssert(try check(box).passed)
        XCTAssertEqual(box.project.read("artifacts/check-report/.rederive-folder"), "rederive check-report\n")
        XCTAssertFalse(box.project.exists("artifacts/check-report/Figures_x.png.diff.png"))
        try box.plant("artifacts/check-report/my-notes.txt")
        try FileManager.default.removeItem(atPath: box.root + "/artifacts/check-report/.rederive-folder")
        let error = box.pipelineError { _ = try self.check(box) }
        XCTAssertEqual(error?.code, .invalidPath)
        box.assertCanariesIntact()
    }

    func testAKilledChecksScratchFolderIsRemovedByTheNextCheck() throws {
        let box = try Sandbox(copyPipeline)
        XCTAssertEqual(try box.project.make().exitCode, 0)
        let temporary = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        let (dead, other) = (try deadProcessID(), try deadProcessID())
        let stale = temporary + "rederive-check-p-\(dead)", foreign = temporary + "rederive-check-p-\(other)"
        defer { try? FileManager.default.removeItem(atPath: foreign) }
        for folder in [stale, foreign] {
            try FileManager.default.createDirectory(atPath: folder + "/Figures", withIntermediateDirectories: true)
            try "left by a kill\n".write(toFile: folder + "/Figures/data.csv", atomically: false, encoding: .utf8)
        }
        try "rederive check-scratch\n".write(toFile: stale + "/.rederive-folder", atomically: false, encoding: .utf8)
        XCTAssert(try check(box).passed)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale), "a dead check's marked scratch is removed")
        XCTAssert(FileManager.default.fileExists(atPath: foreign + "/Figures/data.csv"), "an unmarked folder is not Rederive's")
        box.assertCanariesIntact()
    }
}

extension MakeResult {
    /// Throws the first failed stage's message, so a test can wait for an error either way.
    func throwFirstFailure() throws {
        if let failure = failed.first { throw StageFailure(description: failure.message) }
    }
}

struct StageFailure: Error, CustomStringConvertible {
    var description: String
}
