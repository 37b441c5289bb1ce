import Foundation
import XCTest
import Pipeline
import PipelineGraphics

/// `make` end to end, with `cmd:` stages and in-process runners in temporary projects.
final class MakeTests: XCTestCase {
    let chain = """
    params:
      scale: 2
    stages:
      gen:
        cmd: seq 1 "$PARAM_N" > "$OUT"
        params: {n: 5, note: x}
        outputs: [artifacts/numbers.txt]
      double:
        cmd: while read x; do echo $((x * $PARAM_SCALE)); done < "$IN" > "$OUT"
        params: {scale: "${scale}"}
        inputs: ["stage:gen"]
        outputs: [artifacts/doubled.txt]
      other:
        cmd: echo other > "$OUT"
        inputs: [configs/other.txt]
        outputs: [artifacts/other.txt]
    """

    func testFirstMakeRunsEverythingThenNothing() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        let first = try project.make()
        XCTAssertEqual(Set(first.ran), ["gen", "double", "other"])
        XCTAssertEqual(project.read("artifacts/doubled.txt"), "2\n4\n6\n8\n10\n")
        XCTAssertEqual(first.exitCode, 0)
        let second = try project.make()
        XCTAssertEqual(second.ran, [])
        XCTAssertEqual(second.exitCode, 0)
        // No temporaries or leftovers next to outputs.
        XCTAssertEqual(project.files(under: "artifacts").filter { $0.contains("rederive-tmp") }, [])
    }

    func testParamChangeRerunsTheStageAndItsDependentsOnly() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        let changed = try project.make(set: ["gen.n=3"])
        XCTAssertEqual(changed.ran, ["gen", "double"])
        XCTAssertEqual(project.read("artifacts/doubled.txt"), "2\n4\n6\n")
        let pipelineParam = try project.make(set: ["gen.n=3", "scale=3"])
        XCTAssertEqual(pipelineParam.ran, ["double"])
        // Back to the file's params: both rerun.
        XCTAssertEqual(try project.make().ran, ["gen", "double"])
    }

    func testEarlyCutOffSkipsDependentsWhenBytesAreIdentical() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        // `note` changes the fingerprint of gen but not its output bytes.
        let result = try project.make(set: ["gen.note=y"])
        XCTAssertEqual(result.ran, ["gen"])
        XCTAssertTrue(result.upToDate.contains("double"))
    }

    func testInputContentChangeRerunsButTouchDoesNot() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 3600)],
                                              ofItemAtPath: project.root + "/configs/other.txt")
        XCTAssertEqual(try project.make().ran, [])
        try project.write("configs/other.txt", "changed\n")
        XCTAssertEqual(try project.make().ran, ["other"])
    }

    func testModifiedOrMissingOutputReruns() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        try project.write("artifacts/doubled.txt", "tampered\n")
        XCTAssertEqual(try project.make().ran, ["double"])
        XCTAssertEqual(project.read("artifacts/doubled.txt"), "2\n4\n6\n8\n10\n")
        try FileManager.default.removeItem(atPath: project.root + "/artifacts/numbers.txt")
        let result = try project.make()
        XCTAssertEqual(result.ran, ["gen"]) // same bytes again: double is cut off
    }

    func testStatusExplainsWhy() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        try project.write("artifacts/doubled.txt", "tampered\n")
        try project.write("configs/other.txt", "changed\n")
        let count = try PipelineCommands.status([project.pipelinePath], showAll: true, registry: project.registry,
                                                console: Console(interactive: false, quiet: true), directory: project.root)
        XCTAssertEqual(count.outOfDate, 2)
        XCTAssertEqual(count.stages.filter { !$0.reasons.isEmpty }.map(\.name), ["double", "other"])
        let dry = try project.make(dryRun: true)
        XCTAssertEqual(dry.plan.map(\.stage), ["double", "other"])
        XCTAssertEqual(dry.plan[0].reasons, [.outputModified("artifacts/doubled.txt")])
        XCTAssertEqual(dry.plan[1].reasons, [.inputChanged("configs/other.txt")])
        XCTAssertEqual(project.read("artifacts/doubled.txt"), "tampered\n", "a dry run runs nothing")
    }

    /// A changed param is shown with its old and new values (issue #27), not by name alone.
    func testStatusShowsAChangedParamsOldAndNewValue() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        let dry = try project.make(set: ["gen.n=7"], dryRun: true)
        let reasons = try XCTUnwrap(dry.plan.first { $0.stage == "gen" }).reasons
        XCTAssertEqual(reasons.map(\.description), ["params changed: n 5 → 7"])
    }

    func testFreshCloneWithCommittedOutputsIsNotRebuilt() throws {
        let yaml = """
        stages:
          figure:
            cmd: cat configs/c.txt configs/c.txt > "$OUT_PNG"; echo pdf > "$OUT_PDF"
            inputs: [configs/c.txt]
            outputs: {png: Figures/f.png, pdf: Figures/f.pdf}
          summary:
            cmd: wc -c < "$IN" > "$OUT"
            inputs: [Figures/f.png]
            outputs: [Figures/summary.txt]
        """
        let project = try TestProject(yaml, files: ["configs/c.txt": "c\n"])
        XCTAssertEqual(try project.make().ran, ["figure", "summary"])
        let lock = project.read("Pipelines/p.lock")
        // A clone has the committed files (Pipelines, Figures, configs) with new inodes and times,
        // and no artifacts/ (no hash cache, no snapshot).
        let clone = try TestProject(copying: project, only: ["Pipelines", "Figures", "configs"])
        let result = try clone.make()
        XCTAssertEqual(result.ran, [])
        XCTAssertEqual(Set(result.upToDate), ["figure", "summary"])
        XCTAssertEqual(clone.read("Pipelines/p.lock"), lock)
    }

    func testFailedStageStopsItsDependentsAndOthersFinish() throws {
        let yaml = """
        stages:
          bad:
            cmd: echo "about to fail" >&2; echo partial > "$OUT"; exit 3
            outputs: [artifacts/bad.txt]
          after-bad:
            cmd: cp "$IN" "$OUT"
            inputs: ["stage:bad"]
            outputs: [artifacts/after.txt]
          fine:
            cmd: echo fine > "$OUT"
            outputs: [artifacts/fine.txt]
        """
        let project = try TestProject(yaml)
        let result = try project.make()
        XCTAssertEqual(result.exitCode, 1)
        XCTAssertEqual(result.failed.map(\.stage), ["bad"])
        XCTAssertTrue(result.failed[0].message.contains("status 3"), result.failed[0].message)
        let log = try XCTUnwrap(result.failed[0].log)
        XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("about to fail"))
        XCTAssertEqual(result.blocked, ["after-bad"])
        XCTAssertEqual(result.ran, ["fine"])
        XCTAssertFalse(project.exists("artifacts/bad.txt"), "a failed stage's output is never moved into place")
        XCTAssertEqual(project.files(under: "artifacts").filter { $0.contains("rederive-tmp") }, [])
        XCTAssertFalse(project.read("Pipelines/p.lock")!.contains("\"bad\""))
    }

    func testKindWithoutRunnerIsAClearErrorAtTheKind() throws {
        let yaml = """
        stages:
          train:
            kind: train
            outputs: [artifacts/run/]
        """
        let project = try TestProject(yaml)
        XCTAssertThrowsError(try project.make()) { error in
            let e = error as? PipelineError
            XCTAssertEqual(e?.code, .missingRunner)
            XCTAssertEqual(e?.location?.line, 3)
            XCTAssertEqual(e?.location?.column, 11)
            XCTAssertTrue(e?.description.contains("registered kinds: cmd") == true, e?.description ?? "")
        }
    }

    func testCodeVersionIsPerKindSoAPlottingChangeNeverRetrains() throws {
        let yaml = """
        stages:
          train:
            kind: train
            params: {steps: 10}
            outputs: [artifacts/run/]
          loss:
            kind: figure loss-curve
            inputs: ["stage:train"]
            outputs: [Figures/loss.png]
        """
        let project = try TestProject(yaml)
        let runs = RunLog()
        project.registry.register(FakeRunner(kind: "train", version: "1", log: runs))
        project.registry.register(FakeRunner(kind: "figure", version: "1", log: runs))
        XCTAssertEqual(try project.make().ran, ["train", "loss"])
        XCTAssertEqual(project.read("artifacts/run/params.txt"), "steps=10\n")
        project.registry.register(FakeRunner(kind: "figure", version: "2", log: runs))
        let result = try project.make()
        XCTAssertEqual(result.ran, ["loss"])
        XCTAssertEqual(runs.all, ["train", "loss", "loss"])
        XCTAssertTrue(project.read("Pipelines/p.lock")!.contains("\"code\": \"figure loss-curve/2\""))
    }

    func testWarningsInAStageLogAreReported() throws {
        let yaml = """
        stages:
          fig:
            cmd: 'echo drawing; echo "warning: figure f (figure): a overlaps b" >&2; echo x > "$OUT"'
            outputs: [Figures/f.png]
        """
        let project = try TestProject(yaml)
        XCTAssertEqual(try project.make().warnings, ["warning: figure f (figure): a overlaps b"])
        XCTAssertEqual(try project.make().warnings, [], "a stage that does not run warns no more")
    }

    func testFolderOutputsAreReplacedWholeAndHashedByContent() throws {
        let yaml = """
        stages:
          dir:
            cmd: echo a > "$OUT/a.txt"; mkdir "$OUT/sub"; echo b > "$OUT/sub/b.txt"
            outputs: [artifacts/dir/]
          use:
            cmd: cat "$IN/sub/b.txt" > "$OUT"
            inputs: [artifacts/dir/]
            outputs: [artifacts/use.txt]
        """
        let project = try TestProject(yaml)
        XCTAssertEqual(try project.make().ran, ["dir", "use"])
        XCTAssertEqual(project.files(under: "artifacts/dir"), [".rederive-folder", "a.txt", "sub", "sub/b.txt"], "marked as Rederive's")
        try project.write("artifacts/dir/sub/b.txt", "edited\n")
        XCTAssertEqual(try project.make().ran, ["dir"]) // restored to identical bytes: use is cut off
        try project.write("artifacts/dir/extra.txt", "stray\n")
        XCTAssertEqual(try project.make().ran, ["dir"])
        XCTAssertFalse(project.exists("artifacts/dir/extra.txt"), "a rerun replaces the whole folder")
    }

    func testCommandSeesItsParamsInputsAndOutputs() throws {
        let yaml = """
        stages:
          src:
            cmd: echo s > "$OUT_DATA"
            outputs: {data: artifacts/src.txt}
          show:
            cmd: |
              echo "IN_SOURCE=$IN_SOURCE IN=$IN PARAM_LR=$PARAM_LR PARAM_BETAS=$PARAM_BETAS STAGE=$REDERIVE_STAGE" > "$OUT_REPORT"
              case "$OUT_REPORT" in */artifacts/.rederive-tmp-\(getpid()).report.txt) echo temp-ok >> "$OUT_REPORT";; esac
            params: {lr: 3.0e-4, betas: [0.9, 0.95]}
            inputs: {source: "stage:src:data"}
            outputs: {report: artifacts/report.txt}
        """
        let project = try TestProject(yaml)
        try project.make()
        let root = URL(fileURLWithPath: project.root).standardizedFileURL.path
        XCTAssertEqual(project.read("artifacts/report.txt"),
                       "IN_SOURCE=\(root)/artifacts/src.txt IN=\(root)/artifacts/src.txt PARAM_LR=0.0003 PARAM_BETAS=[0.9,0.95] STAGE=show\ntemp-ok\n")
    }

    /// Each make writes to temporaries named with its own process id; the next make removes those
    /// of makes no longer running and leaves a running make's (another pipeline's) alone.
    func testTemporariesArePerMakeAndOnlyDeadMakesOnesAreRemoved() throws {
        let yaml = """
        stages:
          a:
            cmd: echo a > "$OUT"
            outputs: [artifacts/a.txt]
          d:
            cmd: mkdir -p "$OUT" && echo d > "$OUT/x"
            outputs: [artifacts/d/]
        """
        let project = try TestProject(yaml)
        let live = Process()
        live.executableURL = URL(fileURLWithPath: "/bin/sleep")
        live.arguments = ["30"]
        try live.run()
        defer { live.terminate(); live.waitUntilExit() }
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let dead = ended.processIdentifier
        try project.write("artifacts/.rederive-tmp-\(dead).a.txt", "from a killed make\n")
        try project.write("artifacts/.rederive-tmp-\(dead).d/step-1", "from a killed make\n")
        try project.write("artifacts/.d.rederive-previous-\(dead)/x", "set aside by a killed make\n")
        try project.write("artifacts/.rederive-tmp-\(live.processIdentifier).a.txt", "another make, still running\n")
        try project.write("artifacts/.rederive-tmp.a.txt", "an older build's fixed name\n")
        try project.write("Pipelines/.p.lock.rederive-tmp-\(dead)", "a lock file half-written by a killed make\n")
        try project.write("artifacts/.rederive/.p.noop.rederive-tmp-\(dead)", "state half-written by a killed make\n")
        XCTAssertEqual(try project.make().ran, ["a", "d"])
        XCTAssertEqual(project.files(under: "Pipelines").filter { $0.contains(".tmp-") }, [])
        XCTAssertEqual(project.files(under: "artifacts/.rederive").filter { $0.contains(".tmp-") }, [])
        XCTAssertEqual(project.read("artifacts/a.txt"), "a\n")
        XCTAssertEqual(project.files(under: "artifacts").filter { ($0.contains("rederive-") || $0.contains("previous-")) && !$0.hasSuffix("/.rederive-folder") },
                       [".rederive-tmp-\(live.processIdentifier).a.txt"])
        // The folder replaced on a rerun is set aside under this make's name, then removed.
        XCTAssertEqual(try project.make(["d"], force: true).ran, ["d"])
        XCTAssertEqual(project.files(under: "artifacts").filter { ($0.contains("rederive-") || $0.contains("previous-")) && !$0.hasSuffix("/.rederive-folder") },
                       [".rederive-tmp-\(live.processIdentifier).a.txt"])
    }

    func testStagesRunInParallelUpToJobs() throws {
        // Each stage waits for the other's flag: this only succeeds when both run at once.
        let yaml = """
        stages:
          left:
            cmd: touch artifacts/left.flag; for i in $(seq 100); do [ -e artifacts/right.flag ] && break; sleep 0.05; done; [ -e artifacts/right.flag ] && echo l > "$OUT"
            outputs: [artifacts/left.txt]
          right:
            cmd: touch artifacts/right.flag; for i in $(seq 100); do [ -e artifacts/left.flag ] && break; sleep 0.05; done; [ -e artifacts/left.flag ] && echo r > "$OUT"
            outputs: [artifacts/right.txt]
        """
        let project = try TestProject(yaml, files: ["artifacts/.keep": ""])
        let result = try project.make(jobs: 2)
        XCTAssertEqual(Set(result.ran), ["left", "right"])
    }

    func testAStageAskingForEveryCPURunsAlone() throws {
        // `wide` asks for both CPUs of `-j 2`: no other stage may run while its flag is up (the
        // others look for it for 0.3 s, so that running beside it cannot go unseen).
        let yaml = """
        stages:
          wide:
            cmd: touch artifacts/wide.flag; sleep 0.5; rm artifacts/wide.flag; echo w > "$OUT"
            outputs: [artifacts/wide.txt]
            resources: {cpus: 2}
          left:
            cmd: for i in 1 2 3 4 5 6; do [ -e artifacts/wide.flag ] && echo beside > artifacts/left.seen; sleep 0.05; done; echo l > "$OUT"
            outputs: [artifacts/left.txt]
          right:
            cmd: for i in 1 2 3 4 5 6; do [ -e artifacts/wide.flag ] && echo beside > artifacts/right.seen; sleep 0.05; done; echo r > "$OUT"
            outputs: [artifacts/right.txt]
        """
        let project = try TestProject(yaml, files: ["artifacts/.keep": ""])
        // The second make reads the parsed pipeline from its cache, resources included.
        for force in [false, true] {
            let result = try project.make(force: force, jobs: 2)
            XCTAssertEqual(Set(result.ran), ["wide", "left", "right"])
            for side in ["left", "right"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: project.root + "/artifacts/\(side).seen"),
                               "\(side) ran beside the stage that asked for every CPU (force: \(force))")
            }
        }
        XCTAssertTrue(project.exists("artifacts/.rederive/p.pipeline"), "the parsed pipeline was not cached")
    }

    func testSecondConcurrentMakeRefuses() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        let held = try ProcessLock(path: project.root + "/artifacts/.rederive/p.pid", pipeline: "p", wait: false)
        XCTAssertThrowsError(try project.make()) { error in
            let e = error as? PipelineError
            XCTAssertEqual(e?.code, .locked)
            XCTAssertTrue(e?.description.contains("another rederive make (pid \(getpid())) is running pipeline 'p'") == true, e?.description ?? "")
            XCTAssertTrue(e?.hint?.contains("--wait") == true)
        }
        withExtendedLifetime(held) {}
    }

    func testWaitingForTheLockProceedsWhenItIsReleased() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rederive-lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var first: ProcessLock? = try ProcessLock(path: path, pipeline: "p", wait: false)
        let acquired = NSCondition()
        nonisolated(unsafe) var second: ProcessLock?
        nonisolated(unsafe) var waitedFor: String?
        let waiter = Thread {
            let lock = try? ProcessLock(path: path, pipeline: "p", wait: true) { holder in waitedFor = holder }
            acquired.lock(); second = lock; acquired.signal(); acquired.unlock()
        }
        waiter.start()
        usleep(200_000)
        acquired.lock()
        XCTAssertNil(second, "blocked while the first holds it")
        acquired.unlock()
        first = nil
        acquired.lock()
        let deadline = Date(timeIntervalSinceNow: 10)
        while second == nil && Date() < deadline { _ = acquired.wait(until: deadline) }
        XCTAssertNotNil(second, "acquired once released")
        acquired.unlock()
        XCTAssertEqual(waitedFor, String(getpid()))
        withExtendedLifetime(first) {}
    }

    func testInterruptStopsRunningStagesKeepsFinishedOnesAndResumes() throws {
        let yaml = """
        params:
          pause: 30
        stages:
          quick:
            cmd: echo quick > "$OUT"
            outputs: [artifacts/quick.txt]
          slow:
            cmd: echo partial > "$OUT"; touch artifacts/slow.started; sleep "$PARAM_PAUSE"; echo done >> "$OUT"
            params: {pause: "${pause}"}
            inputs: ["stage:quick"]
            outputs: [artifacts/slow.txt]
        """
        let project = try TestProject(yaml)
        let started = Date()
        let marker = project.root + "/artifacts/slow.started"
        let trigger = Thread {
            var waited = 0
            while !FileManager.default.fileExists(atPath: marker) && waited < 200 {
                usleep(50_000)
                waited += 1
            }
            kill(getpid(), SIGINT) // the handler is installed while make runs
        }
        trigger.start()
        let result = try project.make()
        XCTAssertTrue(result.interrupted)
        XCTAssertEqual(result.exitCode, 130)
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "the sleeping child was stopped")
        XCTAssertEqual(result.ran, ["quick"])
        XCTAssertFalse(project.exists("artifacts/slow.txt"), "no half-written output")
        XCTAssertEqual(project.files(under: "artifacts").filter { $0.contains("rederive-tmp") }, [])
        let lock = try LockFile.read(project.lockPath, pipeline: "p")
        XCTAssertEqual(Array(lock.stages.keys), ["quick"])
        // The next make picks up where it stopped.
        let resumed = try project.make(set: ["pause=0"])
        XCTAssertEqual(resumed.ran, ["slow"])
        XCTAssertEqual(project.read("artifacts/slow.txt"), "partial\ndone\n")
    }

    func testNoOpSnapshotAnswersUntilSomethingChanges() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        try project.make()
        try project.age()
        let full = try project.make()   // full check; writes the snapshot
        XCTAssertNil(full.noOpStageCount)
        XCTAssertEqual(full.upToDate.count, 3)
        let fast = try project.make()
        XCTAssertEqual(fast.noOpStageCount, 3)
        XCTAssertEqual(try project.make(["double"]).noOpStageCount, 3)
        XCTAssertThrowsError(try project.make(["dobule"])) { error in
            XCTAssertEqual((error as? PipelineError)?.code, .unknownTarget)
        }
        // Same size, different bytes: the stat identity changes, the full check finds it.
        try project.write("artifacts/doubled.txt", "2\n4\n6\n8\n11\n")
        let after = try project.make()
        XCTAssertNil(after.noOpStageCount)
        XCTAssertEqual(after.ran, ["double"])
        // An edit to the pipeline file also bypasses the snapshot.
        try project.age()
        _ = try project.make()
        XCTAssertEqual(try project.make().noOpStageCount, 3)
        try project.write("Pipelines/p.yaml", chain.replacingOccurrences(of: "n: 5", with: "n: 4"))
        XCTAssertEqual(try project.make().ran, ["gen", "double"])
    }

    func testCleanRemovesIntermediatesAndKeepsCommittedOutputs() throws {
        let yaml = """
        stages:
          data:
            cmd: echo d > "$OUT"
            outputs: [artifacts/data.txt]
          figure:
            cmd: cp "$IN" "$OUT"
            inputs: ["stage:data"]
            outputs: [Figures/fig.txt]
        """
        let project = try TestProject(yaml)
        try project.make()
        let removed = try PipelineCommands.clean([project.pipelinePath], includeCommitted: false, dryRun: false, registry: project.registry,
                                                 console: Console(interactive: false, quiet: true), directory: project.root)
        XCTAssertTrue(removed.removed.contains { $0.hasSuffix("artifacts/data.txt") })
        XCTAssertTrue(removed.applied)
        XCTAssertFalse(project.exists("artifacts/data.txt"))
        XCTAssertTrue(project.exists("Figures/fig.txt"))
        XCTAssertTrue(project.exists("Pipelines/p.lock"))
        XCTAssertEqual(try project.make().ran, ["data"]) // identical bytes: the figure is cut off
    }

    func testDagAsTextAndDot() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        let text = try PipelineCommands.dag([project.pipelinePath], format: .text, registry: project.registry, directory: project.root)
        XCTAssertTrue(text.contains("double  [cmd]  <- gen"), text)
        let dot = try PipelineCommands.dag([project.pipelinePath], format: .dot, registry: project.registry, directory: project.root)
        XCTAssertTrue(dot.hasPrefix("digraph \"p\" {"))
        XCTAssertTrue(dot.contains("\"gen\" -> \"double\";"), dot)
    }

    func testCachedPipelineMatchesAFreshParseAndBadCachesAreIgnored() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        let fresh = try PipelineCommands.dag([project.pipelinePath], format: .dot, registry: project.registry, directory: project.root)
        XCTAssertTrue(project.exists("artifacts/.rederive/p.pipeline"))
        let cached = try PipelineCommands.dag([project.pipelinePath], format: .dot, registry: project.registry, directory: project.root)
        XCTAssertEqual(cached, fresh)
        XCTAssertEqual(Set(try project.make().ran), ["gen", "double", "other"])
        try project.write("artifacts/.rederive/p.pipeline", "{\"key\": \"garbage")
        XCTAssertEqual(try PipelineCommands.dag([project.pipelinePath], format: .dot, registry: project.registry, directory: project.root), fresh)
        XCTAssertEqual(try project.make().ran, [])
    }

    func testWithoutAPipelineArgumentTheOnlyOneElseTheRegistrysDefaultIsUsed() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        let (only, targets) = try PipelineCommands.locate(["double"], registry: project.registry, directory: project.root)
        XCTAssertEqual(only.name, "p")
        XCTAssertEqual(targets, ["double"])

        try project.write("Pipelines/q.yaml", chain)
        XCTAssertThrowsError(try PipelineCommands.locate([], registry: project.registry, directory: project.root)) { error in
            XCTAssertTrue("\(error)".contains("several pipelines; say which"), "\(error)")
            XCTAssertTrue("\(error)".contains("one of: p, q"), "\(error)")
        }
        var registry = project.registry
        registry.defaultPipeline = "q"
        XCTAssertEqual(try PipelineCommands.locate([], registry: registry, directory: project.root).0.name, "q")
        registry.defaultPipeline = "absent"
        XCTAssertThrowsError(try PipelineCommands.locate([], registry: registry, directory: project.root))
    }

    func testTargetsLimitWhatRuns() throws {
        let project = try TestProject(chain, files: ["configs/other.txt": "o\n"])
        let result = try project.make(["double"])
        XCTAssertEqual(result.ran, ["gen", "double"])
        XCTAssertFalse(project.exists("artifacts/other.txt"))
        XCTAssertEqual(try project.make(["artifacts/other.txt"]).ran, ["other"])
        XCTAssertEqual(try project.make(["gen"], force: true).ran, ["gen"])
    }
}
