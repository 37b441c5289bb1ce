import Foundation
import XCTest
import Pipeline

/// `make --executor slurm` against a stand-in for Slurm that runs each submitted sbatch script
/// with bash at once (so the scripts, `rederive run-stage` and the controller are all real; only
/// the queue is simulated). `SlurmIntegrationTests` does the same against a real Slurm.
final class SlurmExecutorTests: XCTestCase {
    static let pipeline = """
    params:
      seeds: [0, 1, 2]
      fail_seed: -1
      note: x
    stages:
      data:
        cmd: seq 1 5 > "$OUT"
        params: {note: "${note}"}
        outputs: [artifacts/data.txt]
      train:
        cmd: |
          if [ "$PARAM_SEED" = "$PARAM_FAIL" ]; then echo "boom at seed $PARAM_SEED"; exit 3; fi
          { echo "seed $PARAM_SEED"; cat "$IN"; } > "$OUT"
        matrix: {seed: "${seeds}"}
        params: {seed: "${seed}", fail: "${fail_seed}"}
        inputs: ["stage:data"]
        outputs: ["artifacts/runs/run-${seed}.txt"]
        resources: {cpus: 1, mem: 100M, parallel: 2}
      table:
        cmd: cat $IN > "$OUT"
        inputs: ["stage:train"]
        outputs: [artifacts/table.txt]
    """

    func makeOnSlurm(_ project: TestProject, client: any SlurmClient, set overrides: [String] = [], force: Bool = false) throws -> MakeResult {
        var options = MakeOptions()
        options.force = force
        options.overrides = try overrides.map { try ParamOverride.parse($0) }
        var slurm = SlurmOptions(executable: try SlurmTestSupport.rederiveExecutable())
        slurm.client = client
        slurm.pollInterval = 0.05
        options.slurm = slurm
        return try PipelineCommands.make([project.pipelinePath], options: options, registry: project.registry,
                                         console: Console(interactive: false, quiet: true), directory: project.root)
    }

    func testSlurmRunRecordsTheLockAndOutputsOfALocalRun() throws {
        let slurm = try TestProject(Self.pipeline)
        let local = try TestProject(Self.pipeline)
        let fake = FakeSlurm()
        let result = try makeOnSlurm(slurm, client: fake)
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(Set(result.ran), ["data", "train@seed=0", "train@seed=1", "train@seed=2", "table"])
        XCTAssertEqual(fake.submittedStages, [["data"], ["train@seed=0", "train@seed=1", "train@seed=2"], ["table"]])
        XCTAssertEqual(fake.submittedDependencies, [[], ["1"], ["2"]])
        XCTAssertEqual(try local.make().exitCode, 0)
        try SlurmTestSupport.assertSameLockAndOutputs(slurm, local, folder: "artifacts/runs")
        XCTAssertEqual(slurm.read("artifacts/table.txt"), local.read("artifacts/table.txt"))
        // Outputs were renamed into place: no temporaries are left.
        XCTAssertEqual(slurm.files(under: "artifacts").filter { $0.contains("rederive-tmp") }, [])

        // Up to date now, whichever executor asks.
        let again = try makeOnSlurm(slurm, client: fake)
        XCTAssertEqual(again.ran, [])
        XCTAssertEqual(fake.submittedStages.count, 3)
        XCTAssertEqual(try slurm.make().ran, [])
    }

    func testStagesWhoseInputsCameBackIdenticalAreSkippedOnTheNodeAsLocally() throws {
        let slurm = try TestProject(Self.pipeline)
        let local = try TestProject(Self.pipeline)
        let fake = FakeSlurm()
        _ = try makeOnSlurm(slurm, client: fake)
        try local.make()
        // `note` changes data's fingerprint but not its bytes: the trains and the table are cut off.
        let onSlurm = try makeOnSlurm(slurm, client: fake, set: ["note=y"])
        let locally = try local.make(set: ["note=y"])
        XCTAssertEqual(onSlurm.ran, ["data"])
        XCTAssertEqual(onSlurm.ran, locally.ran)
        XCTAssertEqual(Set(onSlurm.upToDate), Set(locally.upToDate))
        XCTAssertEqual(fake.submittedStages.count, 6, "submitted, then found up to date on the node")
        XCTAssertTrue(slurm.read("artifacts/logs/p/table.log")?.contains(RunStageOptions.upToDateMarker) == true)
        try SlurmTestSupport.assertSameLockAndOutputs(slurm, local, folder: "artifacts/runs")

        // --force reaches the node.
        let forced = try makeOnSlurm(slurm, client: fake, set: ["note=y"], force: true)
        XCTAssertEqual(forced.ran.count, 5)
        XCTAssertEqual(forced.upToDate, [])
    }

    func testOnlyOutOfDateStagesAreSubmitted() throws {
        let project = try TestProject(Self.pipeline)
        let fake = FakeSlurm()
        _ = try makeOnSlurm(project, client: fake)
        try FileManager.default.removeItem(atPath: project.root + "/artifacts/runs/run-1.txt")
        let result = try makeOnSlurm(project, client: fake)
        // The rerun wrote the same bytes, so table is cut off on the node, as a local make would.
        XCTAssertEqual(result.ran, ["train@seed=1"])
        XCTAssertTrue(result.upToDate.contains("table"))
        XCTAssertEqual(Array(fake.submittedStages.dropFirst(3)), [["train@seed=1"], ["table"]])
        XCTAssertEqual(project.read("artifacts/runs/run-1.txt"), "seed 1\n1\n2\n3\n4\n5\n")
    }

    func testOverridesReachTheJobs() throws {
        let project = try TestProject(Self.pipeline)
        let result = try makeOnSlurm(project, client: FakeSlurm(), set: ["seeds=[4]"])
        XCTAssertEqual(result.exitCode, 0)
        XCTAssertEqual(Set(result.ran), ["data", "train@seed=4", "table"])
        XCTAssertEqual(project.read("artifacts/table.txt"), "seed 4\n1\n2\n3\n4\n5\n")
    }

    func testAFailedTaskShowsItsLogsAndBlocksWhatDependsOnIt() throws {
        let project = try TestProject(Self.pipeline)
        let fake = FakeSlurm()
        let result = try makeOnSlurm(project, client: fake, set: ["fail_seed=1"])
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.failed.map(\.stage), ["train@seed=1"])
        let failure = try XCTUnwrap(result.failed.first)
        XCTAssertTrue(failure.message.contains("FAILED"), failure.message)
        XCTAssertTrue(failure.message.contains("train-"), "names Slurm's own output file: \(failure.message)")
        let log = try XCTUnwrap(failure.log)
        XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("boom at seed 1"))
        XCTAssertEqual(result.blocked, ["table"])
        XCTAssertEqual(fake.cancelled, [["3"]], "the dependent job is cancelled")
        // The other expansions finished and are recorded; the failed one left no output.
        let lock = try XCTUnwrap(project.read("Pipelines/p.lock"))
        XCTAssertTrue(lock.contains("\"train@seed=0\"") && lock.contains("\"train@seed=2\""))
        XCTAssertFalse(lock.contains("\"train@seed=1\""))
        XCTAssertFalse(project.exists("artifacts/runs/run-1.txt"))
        XCTAssertEqual(project.files(under: "artifacts/runs"), ["run-0.txt", "run-2.txt"])
    }

    func testCtrlCCancelsWhatWasSubmittedAndKeepsWhatFinished() throws {
        let project = try TestProject(Self.pipeline)
        let fake = FakeSlurm()
        fake.pendingFrom = 2
        let trigger = Thread {
            var waited = 0
            while fake.submissionCount < 3 && waited < 200 {
                usleep(20_000)
                waited += 1
            }
            usleep(200_000)
            kill(getpid(), SIGINT) // the handler is installed while make runs
        }
        trigger.start()
        let result = try makeOnSlurm(project, client: fake)
        XCTAssertTrue(result.interrupted)
        XCTAssertEqual(result.exitCode, 130)
        XCTAssertEqual(result.ran, ["data"])
        XCTAssertEqual(fake.cancelled, [["2", "3"]])
        XCTAssertEqual(Set(result.blocked), ["train@seed=0", "train@seed=1", "train@seed=2", "table"])
        XCTAssertEqual(Array(try LockFile.read(project.lockPath, pipeline: "p").stages.keys), ["data"])
    }

    func testAnInputNothingProducesFailsBeforeSubmitting() throws {
        let project = try TestProject("""
        stages:
          a:
            cmd: cp "$IN" "$OUT"
            inputs: [configs/missing.txt]
            outputs: [artifacts/a.txt]
          b:
            cmd: cp "$IN" "$OUT"
            inputs: ["stage:a"]
            outputs: [artifacts/b.txt]
        """)
        let fake = FakeSlurm()
        let result = try makeOnSlurm(project, client: fake)
        XCTAssertEqual(result.failed.map(\.stage), ["a"])
        XCTAssertTrue(result.failed[0].message.contains("configs/missing.txt"))
        XCTAssertEqual(result.blocked, ["b"])
        XCTAssertEqual(fake.submittedStages, [])
    }
}

/// Runs each submitted script at once with bash, as Slurm would on one node: array tasks get
/// `SLURM_ARRAY_TASK_ID`, output goes to the `#SBATCH --output` pattern, and a job whose
/// dependency failed is cancelled with reason DependencyNeverSatisfied.
final class FakeSlurm: SlurmClient, @unchecked Sendable {
    private let lock = NSLock()
    private var jobs = [String: [SlurmJobRecord]]()
    private(set) var submittedStages = [[String]]()
    private(set) var submittedDependencies = [[String]]()
    private(set) var cancelled = [[String]]()
    private var nextId = 1
    /// Jobs from this id on stay PENDING forever (to test Ctrl-C).
    var pendingFrom = Int.max

    var submissionCount: Int { lock.lock(); defer { lock.unlock() }; return submittedStages.count }

    func submit(scriptPath: String, dependencies: [String]) throws(PipelineError) -> String {
        lock.lock()
        defer { lock.unlock() }
        let id = String(nextId)
        nextId += 1
        let text = (try? String(contentsOfFile: scriptPath, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        func directive(_ name: String) -> String? {
            lines.first { $0.hasPrefix("#SBATCH --\(name)=") }.map { String($0.dropFirst("#SBATCH --\(name)=".count)) }
        }
        let tasks = directive("array").flatMap(SlurmQueue.parseTaskIds)
        let stageNames = lines.last.map { $0.components(separatedBy: " -- ").last!.split(separator: " ").map(String.init) } ?? []
        submittedStages.append(stageNames)
        submittedDependencies.append(dependencies)
        let dependencyFailed = dependencies.contains { jobs[$0]?.contains { !$0.succeeded } ?? true }
        var records = [SlurmJobRecord]()
        if nextId - 1 >= pendingFrom {
            jobs[id] = [SlurmJobRecord(jobId: id, arrayJobId: nil, arrayTasks: tasks, state: "PENDING", reason: "Dependency",
                                       exitCode: "0:0", runSeconds: 0, standardOutput: nil)]
            return id
        }
        for task in tasks ?? [0] {
            var record = SlurmJobRecord(jobId: id, arrayJobId: tasks == nil ? nil : id, arrayTasks: tasks == nil ? nil : [task],
                                        state: "CANCELLED", reason: "DependencyNeverSatisfied", exitCode: "0:0", runSeconds: 0, standardOutput: nil)
            if !dependencyFailed {
                let output = (directive("output") ?? "/dev/null")
                    .replacingOccurrences(of: "%A", with: id).replacingOccurrences(of: "%a", with: String(task))
                    .replacingOccurrences(of: "%j", with: id)
                let status = FakeSlurm.runBash(scriptPath, chdir: directive("chdir") ?? "/", output: output,
                                               environment: ["SLURM_JOB_ID": id, "SLURM_ARRAY_JOB_ID": id, "SLURM_ARRAY_TASK_ID": String(task)]
                                                .filter { tasks != nil || !$0.key.hasPrefix("SLURM_ARRAY") })
                record.state = status == 0 ? "COMPLETED" : "FAILED"
                record.reason = status == 0 ? "None" : "NonZeroExitCode"
                record.exitCode = "\(status):0"
                record.runSeconds = 1
                record.standardOutput = output
            }
            records.append(record)
        }
        jobs[id] = records
        return id
    }

    func show(jobId: String) throws(PipelineError) -> [SlurmJobRecord]? {
        lock.lock()
        defer { lock.unlock() }
        return jobs[jobId]
    }

    func cancel(_ jobIds: [String]) {
        lock.lock()
        defer { lock.unlock() }
        cancelled.append(jobIds)
    }

    static func runBash(_ script: String, chdir: String, output: String, environment: [String: String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        process.currentDirectoryURL = URL(fileURLWithPath: chdir)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: output) else { return 127 }
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        do { try process.run() } catch { return 127 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

enum SlurmTestSupport {
    /// The `rederive` built next to this test bundle (`swift build` builds it; jobs run it).
    static func rederiveExecutable() throws -> String {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the test binary is <products>/RederivePackageTests.xctest; on macOS it is inside a bundle.
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("rederive").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw XCTSkip("no rederive executable next to the tests (\(testBinary.path)); run `swift build` first")
    }

    /// The two projects' lock files agree on every stage (kind, code version, params, input and
    /// output hashes; durations differ by nature) and the files under `folder` are the same.
    static func assertSameLockAndOutputs(_ a: TestProject, _ b: TestProject, folder: String,
                                         file: StaticString = #filePath, line: UInt = #line) throws {
        func stripped(_ project: TestProject) throws -> LockFile {
            var lock = try LockFile.read(project.lockPath, pipeline: "p")
            for name in lock.stages.keys { lock.stages[name]!.durationSeconds = 0 }
            return lock
        }
        let lockA = try stripped(a), lockB = try stripped(b)
        XCTAssertFalse(lockA.stages.isEmpty, file: file, line: line)
        XCTAssertEqual(lockA.stages.keys.sorted(), lockB.stages.keys.sorted(), file: file, line: line)
        XCTAssertEqual(lockA, lockB, file: file, line: line)
        XCTAssertEqual(a.files(under: folder), b.files(under: folder), file: file, line: line)
        for path in a.files(under: folder) {
            XCTAssertEqual(a.read(folder + "/" + path), b.read(folder + "/" + path), path, file: file, line: line)
        }
    }
}
