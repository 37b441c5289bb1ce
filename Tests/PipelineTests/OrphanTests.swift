import Foundation
import XCTest
import Pipeline

/// No stage outlives the `make` that started it.
final class OrphanTests: XCTestCase {
    /// A stand-in for training: writes a checkpoint every N steps (N from the config) into its
    /// run folder over about 3 s.
    let pipeline = """
    stages:
      train:
        cmd: |
          every=$(cat "$IN")
          i=0
          while [ $i -lt 30 ]; do
            i=$((i + 1))
            sleep 0.1
            if [ $((i % every)) -eq 0 ]; then echo "$i $every" > "$OUT/step-$i"; fi
          done
        inputs: [configs/every.txt]
        outputs: [artifacts/run/]
    """

    func contents(_ project: TestProject) -> [String: String] {
        Dictionary(uniqueKeysWithValues: project.files(under: "artifacts/run").map { ($0, project.read("artifacts/run/" + $0) ?? "") })
    }

    func testKillingMakeAloneMidStageThenChangingTheConfigGivesACleanRunsResult() throws {
        let project = try TestProject(pipeline, files: ["configs/every.txt": "3\n"])
        let make = Process()
        make.executableURL = URL(fileURLWithPath: try builtExecutable("rederive"))
        make.arguments = ["make", "p"]
        make.currentDirectoryURL = URL(fileURLWithPath: project.root)
        make.standardOutput = FileHandle.nullDevice
        make.standardError = FileHandle.nullDevice
        try make.run()
        // Mid-stage: the first checkpoints are in this make's own temporary run folder.
        let temporary = "artifacts/.rederive-tmp-\(make.processIdentifier).run"
        let deadline = Date(timeIntervalSinceNow: 20)
        while !project.exists(temporary + "/step-3") && Date() < deadline { usleep(20_000) }
        XCTAssertTrue(project.exists(temporary + "/step-3"), "the stage did not start")
        kill(make.processIdentifier, SIGKILL)
        // Not `waitUntilExit`, which may take a while to notice: the next make starts at once,
        // while a surviving stage would still be running.
        usleep(100_000)

        try project.write("configs/every.txt", "4\n")
        let result = try project.make()
        XCTAssertEqual(result.ran, ["train"])
        // Had the old stage survived, it would have kept writing step-6, step-9, ... into this
        // make's temporary folder, and on into the final one after its rename; give it the time.
        usleep(3_100_000)

        let clean = try TestProject(pipeline, files: ["configs/every.txt": "4\n"])
        XCTAssertEqual(try clean.make().ran, ["train"])
        XCTAssertEqual(contents(project), contents(clean))
        XCTAssertEqual(contents(project)["step-4"], "4 4\n")
        XCTAssertNil(contents(project)["step-6"])
        XCTAssertEqual(project.files(under: "artifacts").filter { $0.contains("rederive-tmp") }, [])
        XCTAssertEqual(try project.make().ran, [], "status agrees: up to date")
        make.waitUntilExit()
    }
}
