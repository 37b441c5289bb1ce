import XCTest
import Foundation
import AtomicFiles
import Tensor
import Transformer

final class TrainerTests: XCTestCase {
    /// A tiny config that still exercises MLP, LayerNorm and two heads.
    var config: TrainingConfig {
        var c = TrainingConfig(model: ModelConfig(nLayers: 2, dModel: 16, nHeads: 2, dHead: 8, dMLP: 32,
                                                  dVocab: 20, nCtx: 10),
                               batch: 8, steps: 12, lr: 1e-3, warmupSteps: 3, seed: 7, checkpointEvery: 4, logEvery: 2)
        c.evalBatch = 4
        return c
    }

    func temporaryFolder() -> String {
        let path = NSTemporaryDirectory() + "rederive-trainer-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func bytes(_ path: String) -> [UInt8] { (try? AtomicFile.read(path)) ?? [] }

    func train(_ folder: String, threads: Int = 2, stopAt: Int? = nil, resume: Bool = false, overwrite: Bool = false,
               config: TrainingConfig? = nil, shardBytes: Int? = nil) throws -> Trainer.Summary {
        let trainer = Trainer(config: config ?? self.config, folder: folder, threads: threads, progress: Progress(style: .silent))
        if let shardBytes { trainer.shardBytes = shardBytes }
        if let stopAt {
            var calls = 0
            trainer.shouldStop = { defer { calls += 1 }; return calls == stopAt }
        } else {
            trainer.shouldStop = { false }
        }
        return try trainer.run(resume: resume, overwrite: overwrite)
    }

    func testSameSeedAndThreadsGiveIdenticalCheckpoints() throws {
        let a = temporaryFolder(), b = temporaryFolder()
        _ = try train(a)
        _ = try train(b)
        let folder = RunFolder(a)
        XCTAssertEqual(folder.checkpointSteps, [0, 4, 8, 12])
        for step in folder.checkpointSteps {
            XCTAssertEqual(bytes(folder.checkpointPath(step: step)), bytes(RunFolder(b).checkpointPath(step: step)), "step \(step)")
            XCTAssertEqual(bytes(folder.optimizerPath(step: step)), bytes(RunFolder(b).optimizerPath(step: step)))
        }
        XCTAssertFalse(bytes(folder.modelPath).isEmpty)
        XCTAssertEqual(bytes(folder.modelPath), bytes(RunFolder(b).modelPath))
        XCTAssertEqual(bytes(folder.modelPath), bytes(folder.checkpointPath(step: 12)))
        // A different seed gives different weights.
        var other = config; other.seed = 8
        let c = temporaryFolder()
        _ = try train(c, config: other)
        XCTAssertNotEqual(bytes(folder.modelPath), bytes(RunFolder(c).modelPath))
    }

    /// Threads take whole shards of the batch and the shards' gradients add in shard order, so
    /// one thread and three give the same bytes: checkpoints, optimizer state and log.
    func testThreadCountDoesNotChangeAByte() throws {
        let one = temporaryFolder(), three = temporaryFolder()
        let a = try train(one, threads: 1), b = try train(three, threads: 3)
        XCTAssertEqual(a.loss, b.loss)
        for step in RunFolder(one).checkpointSteps {
            XCTAssertEqual(bytes(RunFolder(one).checkpointPath(step: step)), bytes(RunFolder(three).checkpointPath(step: step)), "step \(step)")
            XCTAssertEqual(bytes(RunFolder(one).optimizerPath(step: step)), bytes(RunFolder(three).optimizerPath(step: step)))
        }
        XCTAssertEqual(a.log.rows.map(\.loss), b.log.rows.map(\.loss))
    }

    /// The shard count comes from the config and the shard budget alone; a smaller budget makes
    /// more shards, which add the gradient in another order (so other bits), but still the same
    /// bits at any thread count, and the same loss up to rounding.
    func testShardBudgetSetsTheShardsNotTheThreads() throws {
        let one = temporaryFolder(), small = temporaryFolder(), smallThree = temporaryFolder()
        let a = try train(one, threads: 1)
        let b = try train(small, threads: 2, shardBytes: 1)
        _ = try train(smallThree, threads: 3, shardBytes: 1)
        XCTAssertEqual(Trainer.shardCount(config: config), 6)
        XCTAssertEqual(Trainer.shardCount(config: config, shardBytes: 1), 8, "one sequence per shard")
        XCTAssertEqual(a.loss, b.loss, accuracy: 1e-4)
        let wa = try Checkpoint.load(one).model.parameters.storage, wb = try Checkpoint.load(small).model.parameters.storage
        XCTAssertLessThan(zip(wa, wb).map { abs($0 - $1) }.max() ?? .infinity, 1e-3)
        XCTAssertNotEqual(wa, wb, "eight shards add the gradients in another order than six")
        XCTAssertEqual(bytes(RunFolder(small).modelPath), bytes(RunFolder(smallThree).modelPath))
    }

    func testInterruptedAndResumedRunEndsIdentical() throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        _ = try train(straight)
        XCTAssertThrowsError(try train(interrupted, stopAt: 6)) { error in
            guard case TrainingError.interrupted(let step, let checkpoint, let command)? = error as? TrainingError else {
                return XCTFail("expected an interruption, got \(error)")
            }
            XCTAssertEqual(step, 6)
            XCTAssertTrue(checkpoint.hasSuffix("step-000006.safetensors"))
            XCTAssertTrue(command.contains("--resume"))
        }
        XCTAssertEqual(RunFolder(interrupted).latestResumableStep, 6)
        let summary = try train(interrupted, resume: true)
        XCTAssertEqual(summary.step, 12)
        for step in [4, 8, 12] {
            XCTAssertEqual(bytes(RunFolder(straight).checkpointPath(step: step)),
                           bytes(RunFolder(interrupted).checkpointPath(step: step)), "step \(step)")
        }
        XCTAssertEqual(bytes(RunFolder(straight).modelPath), bytes(RunFolder(interrupted).modelPath))
        // The log has each step once, as the straight run's (apart from timing).
        let logA = TrainingLog.read(RunFolder(straight).logPath).rows, logB = TrainingLog.read(RunFolder(interrupted).logPath).rows
        XCTAssertEqual(logA.map(\.step), [1, 2, 4, 6, 8, 10, 12])
        XCTAssertEqual(logA.map(\.step), logB.map(\.step))
        XCTAssertEqual(logA.map(\.loss), logB.map(\.loss))
        XCTAssertEqual(logA.map(\.evalLoss), logB.map(\.evalLoss))
    }

    /// `train --out RUN` on an existing run deleted its checkpoints without a word; now it refuses,
    /// naming --resume and --overwrite, and --overwrite replaces the run.
    func testExistingRunIsRefusedWithoutOverwriteAndReplacedWithIt() throws {
        let folder = temporaryFolder()
        _ = try train(folder)
        let before = bytes(RunFolder(folder).checkpointPath(step: 12))
        XCTAssertThrowsError(try train(folder)) { error in
            XCTAssertEqual(error as? TrainingError, .existingRun(folder: folder, lastStep: 12))
            XCTAssertTrue("\(error)".contains("--resume") && "\(error)".contains("--overwrite"), "\(error)")
        }
        XCTAssertEqual(RunFolder(folder).checkpointSteps, [0, 4, 8, 12])
        XCTAssertEqual(bytes(RunFolder(folder).checkpointPath(step: 12)), before)

        var shorter = config
        shorter.steps = 8
        _ = try train(folder, overwrite: true, config: shorter)
        XCTAssertEqual(RunFolder(folder).checkpointSteps, [0, 4, 8])
        XCTAssertEqual(TrainingLog.read(RunFolder(folder).logPath).rows.last?.step, 8)
        XCTAssertFalse(FileManager.default.fileExists(atPath: RunFolder(folder).previousRunPath))
    }

    /// Until the new run's first checkpoint, --overwrite keeps the old run in previous-run/.
    func testOverwriteKeepsTheOldRunAsideUntilTheFirstCheckpoint() throws {
        let folder = temporaryFolder()
        _ = try train(folder)
        let run = RunFolder(folder)
        let model = bytes(run.modelPath)
        try run.setAsidePreviousRun()
        XCTAssertEqual(run.checkpointSteps, [])
        XCTAssertEqual(bytes(run.previousRunPath + "/model.safetensors"), model)
        XCTAssertEqual(RunFolder(run.previousRunPath).checkpointSteps, [0, 4, 8, 12])
        // As after a kill at this moment: a plain run and --resume both refuse, and both name
        // previous-run/ and how to restore it (the advice used to send one to the other).
        for resume in [false, true] {
            XCTAssertThrowsError(try train(folder, resume: resume)) { error in
                XCTAssertEqual(error as? TrainingError, .onlyPreviousRun(folder: folder))
                XCTAssertTrue("\(error)".contains("mv \(folder)/previous-run/* \(folder)/"), "\(error)")
            }
        }
        XCTAssertEqual(bytes(run.previousRunPath + "/model.safetensors"), model)
    }

    /// `train --out` onto a folder of the user's that holds no run is refused, and its files
    /// (a log.csv among them, which training would overwrite) are untouched.
    func testAFolderOfOtherFilesIsRefusedAndKept() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let log = Data("my own log\n".utf8)
        FileManager.default.createFile(atPath: folder + "/log.csv", contents: log)
        XCTAssertThrowsError(try train(folder)) { error in
            XCTAssertEqual("\(error)", "\(folder) holds files that Rederive did not make (log.csv); train writes checkpoints/, "
                           + "model.safetensors and log.csv there; choose a new or empty folder.")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: folder + "/log.csv"), log)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["log.csv"])
    }

    /// `--resume` failed when the newest checkpoint was cut short; it now falls back to the one
    /// before, and ends as an uninterrupted run.
    func testResumeFallsBackPastATruncatedCheckpoint() throws {
        let straight = temporaryFolder(), broken = temporaryFolder()
        _ = try train(straight)
        _ = try train(broken)
        let run = RunFolder(broken)
        let newest = bytes(run.checkpointPath(step: 12))
        FileManager.default.createFile(atPath: run.checkpointPath(step: 12), contents: Data(newest.prefix(newest.count / 2)))
        let summary = try train(broken, resume: true)
        XCTAssertEqual(summary.step, 12)
        XCTAssertEqual(bytes(run.checkpointPath(step: 12)), bytes(RunFolder(straight).checkpointPath(step: 12)))
        XCTAssertEqual(bytes(run.modelPath), bytes(RunFolder(straight).modelPath))
        XCTAssertEqual(bytes(run.checkpointsPath + "/broken-step-000012.safetensors").count, newest.count / 2)
    }

    /// Hidden `.rederive-tmp-PID` files of a killed writer stayed in the run folder; the next run removes them.
    func testStaleTemporaryFilesOfKilledProcessesAreRemoved() throws {
        let folder = temporaryFolder()
        let run = RunFolder(folder)
        try run.create()
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = [run.checkpointsPath + "/.step-000004.safetensors.rederive-tmp-\(dead.processIdentifier)",
                     folder + "/.log.csv.rederive-tmp-\(dead.processIdentifier)"]
        let live = folder + "/.notes.txt.rederive-tmp-\(getpid())"
        for path in stale + [live] { FileManager.default.createFile(atPath: path, contents: Data([1, 2, 3])) }
        _ = try train(folder)
        for path in stale { XCTAssertFalse(FileManager.default.fileExists(atPath: path), path) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: live), "a running process's temporary file is kept")
    }

    func testResumeWithoutCheckpointFails() {
        XCTAssertThrowsError(try train(temporaryFolder(), resume: true)) { error in
            guard case TrainingError.checkpoint(.noCheckpoint)? = error as? TrainingError else {
                return XCTFail("expected noCheckpoint, got \(error)")
            }
        }
    }

    /// A learning rate that makes the loss non-finite within a few steps, checkpointing every step.
    var diverging: TrainingConfig {
        var diverging = config
        diverging.lr = 1e30
        diverging.warmupSteps = 0
        diverging.checkpointEvery = 1
        diverging.gradClip = 1e30
        return diverging
    }

    func testDivergenceStopsWithTypedErrorAndKeepsLastGoodCheckpoint() throws {
        try assertDivergenceKeepsGoodCheckpoints(diverging)
    }

    /// Inside a pipeline the run folder is a temporary one that make discards: the last good
    /// checkpoint and the diverged state go to the post-mortem folder, which the message names,
    /// with advice that fits make (issue #27).
    func testDivergenceInAPipelineKeepsItsPostMortemOutsideTheRunFolder() throws {
        let (folder, keep) = (temporaryFolder(), temporaryFolder() + ".post-mortem")
        defer { try? FileManager.default.removeItem(atPath: keep) }
        let trainer = Trainer(config: diverging, folder: folder, threads: 1, progress: Progress(style: .silent))
        trainer.postMortemFolder = keep
        do {
            _ = try trainer.run()
            XCTFail("training did not diverge")
        } catch {
            guard case .diverged(let step, _, let last?, let divergedFile?, true) = error else {
                return XCTFail("expected a divergence in a pipeline, got \(error)")
            }
            XCTAssertEqual(divergedFile, RunFolder(keep).divergedPath(step: step))
            XCTAssertTrue(last.hasPrefix(keep + "/checkpoints/step-"), last)
            XCTAssertNoThrow(try Checkpoint.load(last))
            XCTAssertTrue(FileManager.default.fileExists(atPath: divergedFile))
            let message = "\(error)"
            XCTAssertTrue(message.contains("saved as \(divergedFile)") && message.contains("run make again"), message)
            XCTAssertFalse(message.contains("--overwrite"), message)
        }
    }

    /// A post-mortem folder holding someone else's files is not written into.
    func testDivergenceLeavesAForeignPostMortemFolderAlone() throws {
        var diverging = config
        diverging.lr = 1e30
        diverging.warmupSteps = 0
        diverging.gradClip = 1e30
        let (folder, keep) = (temporaryFolder(), temporaryFolder() + ".post-mortem")
        defer { try? FileManager.default.removeItem(atPath: keep) }
        try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
        try "mine\n".write(toFile: keep + "/notes.txt", atomically: true, encoding: .utf8)
        let trainer = Trainer(config: diverging, folder: folder, threads: 1, progress: Progress(style: .silent))
        trainer.postMortemFolder = keep
        XCTAssertThrowsError(try trainer.run())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: keep), ["notes.txt"])
    }

    /// With lr 1000 the study's weights held NaN one step before its loss did, and that step's
    /// checkpoint was named the last good one. Here an AdamW first moment near Float.max with a
    /// zero second moment makes the update overflow the embedding while the loss is still finite.
    func testDivergenceNeverNamesACheckpointWithNonFiniteWeights() throws {
        let folder = temporaryFolder()
        let run = RunFolder(folder)
        var first = config
        first.steps = 4
        _ = try train(folder, config: first)
        let path = run.optimizerPath(step: 4)
        var state = try SafetensorsFile.read(path)
        let shape = try state.tensor("m.embed.W_E", path: path).shape
        state.arrays["m.embed.W_E"] = .float32(Tensor(shape: shape, repeating: 3e38))
        state.arrays["v.embed.W_E"] = .float32(Tensor(shape: shape, repeating: 0))
        try state.write(to: path)
        var diverging = config
        diverging.checkpointEvery = 1
        do {
            _ = try train(folder, resume: true, config: diverging)
            XCTFail("training did not diverge")
        } catch {
            guard case .diverged(5, let what, run.checkpointPath(step: 4), run.divergedPath(step: 5), false)? = error as? TrainingError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(what.hasPrefix("parameter 'embed.W_E' holds -inf at index [0, "), what)
        }
        XCTAssertEqual(run.checkpointSteps, [0, 4])
        XCTAssertNoThrow(try Checkpoint.load(run.checkpointPath(step: 4)))
    }

    private func assertDivergenceKeepsGoodCheckpoints(_ diverging: TrainingConfig, line: UInt = #line) throws {
        let folder = temporaryFolder()
        let run = RunFolder(folder)
        do {
            _ = try train(folder, config: diverging)
            XCTFail("training did not diverge", line: line)
        } catch {
            guard case TrainingError.diverged(let step, _, let last, let divergedFile, false)? = error as? TrainingError else {
                return XCTFail("expected diverged, got \(error)", line: line)
            }
            XCTAssertEqual(last, run.checkpointPath(step: run.checkpointSteps.last ?? -1), line: line)
            XCTAssertEqual(divergedFile, run.divergedPath(step: step), line: line)
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.divergedPath(step: step)), line: line)
            XCTAssertTrue("\(error)".contains("last good checkpoint is \(last ?? "?")"), "\(error)", line: line)
            // The named checkpoint loads (all finite) and resumes.
            if let last { XCTAssertNoThrow(try Checkpoint.load(last), line: line) }
        }
        // Every checkpoint written holds finite weights and optimizer moments.
        let layout = ParameterLayout(config: diverging.model)
        for step in run.checkpointSteps {
            let checkpoint = try Checkpoint.load(run.checkpointPath(step: step))
            XCTAssertTrue(checkpoint.model.parameters.storage.allSatisfy(\.isFinite), "step \(step)", line: line)
            let state = try OptimizerState.read(run.optimizerPath(step: step), layout: layout, betas: diverging.betas,
                                                weightDecay: diverging.weightDecay)
            XCTAssertTrue((state.optimizer.m + state.optimizer.v).allSatisfy(\.isFinite), "step \(step)", line: line)
        }
    }

    /// A checkpoint holding a NaN is refused on load, naming the file, the tensor and the index.
    func testCheckpointWithNonFiniteParameterIsRefused() throws {
        let folder = temporaryFolder()
        _ = try train(folder)
        let path = folder + "/bad.safetensors"
        var file = try SafetensorsFile.read(RunFolder(folder).modelPath)
        var tensor = try file.tensor("blocks.0.attn.W_Q", path: path)
        tensor.scalars[2 * 16 * 8 - 3] = .infinity
        file.arrays["blocks.0.attn.W_Q"] = .float32(tensor)
        try file.write(to: path)
        XCTAssertThrowsError(try Checkpoint.load(path)) { error in
            XCTAssertEqual(error as? CheckpointError, .nonFinite(path: path, name: "blocks.0.attn.W_Q", index: [1, 15, 5], value: .infinity))
            XCTAssertTrue("\(error)".hasPrefix(path + ": tensor 'blocks.0.attn.W_Q' holds inf at index [1, 15, 5]"), "\(error)")
        }
    }

    /// The study's task learns: loss falls well below uniform guessing (ln 19 = 2.94) quickly.
    func testSmokeRunLearns() throws {
        var c = config
        c.steps = 150; c.lr = 3e-3; c.batch = 32; c.checkpointEvery = 150; c.logEvery = 50
        let summary = try train(temporaryFolder(), config: c)
        XCTAssertLessThan(summary.evalLoss, 1.5, "loss curve: \(summary.log.rows.map { ($0.step, $0.loss) })")
    }

    func testCheckpointRoundTripsAndMetadata() throws {
        let folder = temporaryFolder()
        _ = try train(folder)
        let checkpoint = try Checkpoint.load(folder)  // a run folder loads its model.safetensors
        XCTAssertEqual(checkpoint.step, 12)
        XCTAssertEqual(checkpoint.config, config)
        XCTAssertEqual(checkpoint.optimizerFile, "step-000012.optimizer.safetensors")
        let file = try SafetensorsFile.read(RunFolder(folder).modelPath)
        XCTAssertEqual(file.metadata["seed"], "7")
        XCTAssertEqual(file.metadata["step"], "12")
        XCTAssertEqual(file.arrays["pos_embed.W_pos"]?.shape, [10, 16])
        XCTAssertTrue(file.arrays["pos_embed.W_pos"]!.tensor!.scalars.allSatisfy { $0 == 0 }, "frozen W_pos stays zero")
        XCTAssertEqual(file.arrays["blocks.1.attn.W_O"]?.shape, [2, 8, 16])
        XCTAssertEqual(file.arrays.count, ParameterLayout(config: config.model).entries.count)
        // the JSON config parses back to the same config
        let json = try XCTUnwrap(file.metadata["config"])
        XCTAssertEqual(try ConfigLoader.load(json: json, source: "metadata"), config)
    }
}
