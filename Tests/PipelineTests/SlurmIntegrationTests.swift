#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import Pipeline

/// A smoke pipeline of shell stages through a real single-node Slurm on localhost, started by
/// Scripts/slurm-local.sh (slurm-wlm and munge from Debian). Skipped, saying why, when that is
/// impossible (not root, no network for apt, ...). Once Slurm is up each test takes seconds.
final class SlurmIntegrationTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Starts Slurm once per test process; the reason it could not, for the skip message.
    nonisolated(unsafe) static var startFailure: String??

    func requireSlurm() throws {
        if Self.startFailure == nil {
            Self.startFailure = .some(Self.startSlurm())
        }
        if let reason = Self.startFailure! { throw XCTSkip("Slurm integration test skipped: \(reason)") }
    }

    static func startSlurm() -> String? {
        // Without root the script still succeeds when Slurm is already up; otherwise it says why.
        let script = packageRoot + "/Scripts/slurm-local.sh"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return "cannot run \(script): \(error)" }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            if getuid() != 0 { return "Slurm is not running and starting it needs root (run Scripts/slurm-local.sh as root, or the tests as root)" }
            return "Scripts/slurm-local.sh failed (status \(process.terminationStatus)): " + output.split(separator: "\n").suffix(3).joined(separator: " | ")
        }
        return nil
    }

    /// A pipeline of `cmd:` stages with the study's shape (a matrix, references, a folder
    /// output), so the engine's test needs no model code.
    static let smokeYAML = """
        # A tiny pipeline for CI and for trying the engine: only `cmd:` stages, runs in about a second.
        # Paths are relative to the project folder (the parent of Pipelines/). Intermediates go under
        # artifacts/ (git-ignored); committed outputs would go under Figures/.
        description: smoke test of the pipeline engine
        params:
          train:
            lr: 1.0e-4
            steps: 20
          seeds: [0, 1]
        stages:
          data:
            cmd: seq 1 "$PARAM_N" > "$OUT"
            params: {n: 50}
            outputs: [artifacts/smoke/data.txt]
          train:
            cmd: |
              { echo "layers=$PARAM_LAYERS seed=$PARAM_SEED lr=$PARAM_LR steps=$PARAM_STEPS"; wc -l < "$IN_DATA"; } > "$OUT_RUN"
            matrix:
              layers: [1, 2]
              seed: ${seeds}
            params: {layers: "${layers}", seed: "${seed}", lr: "${train.lr}", steps: "${train.steps}"}
            inputs: {data: "stage:data"}
            outputs: {run: "artifacts/smoke/runs/${name}.txt"}
          analyze:
            cmd: mkdir -p "$OUT_DIR" && cp "$IN_RUN" "$OUT_DIR/summary.txt" && echo analyzed >> "$OUT_DIR/summary.txt"
            matrix:
              layers: [1, 2]
              seed: ${seeds}
            inputs: {run: "stage:train:run"}
            outputs: {dir: "artifacts/smoke/analysis/${name}/"}
          table:
            cmd: for d in $IN_ANALYSES; do cat "$d/summary.txt"; done > "$OUT"
            inputs: {analyses: "stage:analyze"}
            outputs: [artifacts/smoke/table.txt]
        """

    func smokeProject() throws -> TestProject {
        try TestProject(Self.smokeYAML)
    }

    func testSmokePipelineOnSlurmEqualsALocalRun() throws {
        try requireSlurm()
        let executable = try SlurmTestSupport.rederiveExecutable()
        let slurm = try smokeProject()
        let local = try smokeProject()

        var options = MakeOptions()
        var slurmOptions = SlurmOptions(executable: executable)
        slurmOptions.pollInterval = 0.2
        options.slurm = slurmOptions
        let started = Date()
        let result = try PipelineCommands.make([slurm.pipelinePath], options: options, registry: slurm.registry,
                                               console: Console(interactive: false, quiet: true), directory: slurm.root)
        XCTAssertEqual(result.exitCode, 0, "failed: \(result.failed)")
        XCTAssertEqual(result.ran.count, 10)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "the smoke pipeline should take seconds on an idle node")
        // Slurm ran the tasks: its own output files exist, one per task.
        XCTAssertEqual(slurm.files(under: "artifacts/logs/p/slurm").count, 10)

        XCTAssertEqual(try local.make().exitCode, 0)
        try SlurmTestSupport.assertSameLockAndOutputs(slurm, local, folder: "artifacts/smoke")

        let again = try PipelineCommands.make([slurm.pipelinePath], options: options, registry: slurm.registry,
                                              console: Console(interactive: false, quiet: true), directory: slurm.root)
        XCTAssertEqual(again.ran, [])
    }

    func testEmittedScriptsSubmittedByHandRecordTheSameLock() throws {
        try requireSlurm()
        let executable = try SlurmTestSupport.rederiveExecutable()
        let emitted = try smokeProject()
        let local = try smokeProject()
        let folder = emitted.root + "/jobs"
        let files = try PipelineCommands.emit([emitted.pipelinePath], format: .slurm, folder: folder, options: MakeOptions(),
                                              slurm: SlurmOptions(executable: executable), registry: emitted.registry,
                                              console: Console(interactive: false, quiet: true), directory: emitted.root)
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["data.sh", "train.sh", "analyze.sh", "table.sh", "submit.sh"])
        XCTAssertFalse(emitted.exists("Pipelines/p.lock"), "emitting submits nothing and records nothing")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [folder + "/submit.sh"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        let ids: [String] = output.split(separator: "\n").compactMap { line in
            line.range(of: "Slurm job ").map { String(line[$0.upperBound...]) }
        }
        XCTAssertEqual(ids.count, 4, output)

        let client = CommandLineSlurm()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            var records = [SlurmJobRecord]()
            for id in ids { records += try client.show(jobId: id) ?? [] }
            if records.allSatisfy({ $0.isFinished }) {
                XCTAssertTrue(records.allSatisfy { $0.succeeded }, "\(records.map { "\($0.jobId) \($0.state)" })")
                break
            }
            usleep(200_000)
        }
        XCTAssertEqual(try local.make().exitCode, 0)
        try SlurmTestSupport.assertSameLockAndOutputs(emitted, local, folder: "artifacts/smoke")
    }
}
