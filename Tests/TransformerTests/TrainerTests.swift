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

    func train(_ folder: String, threads: Int = 2, stopAt: Int? = nil, resume: Bool = false,
               config: TrainingConfig? = nil, shardBytes: Int? = nil) throws -> Trainer.Summary {
        let trainer = Trainer(config: config ?? self.config, folder: folder, threads: threads, progress: Progress(style: .silent))
        if let shardBytes { trainer.shardBytes = shardBytes }
        if let stopAt {
            var calls = 0
            trainer.shouldStop = { defer { calls += 1 }; return calls == stopAt }
        } else {
            trainer.shouldStop = { false }
        }
        return try trainer.run(resume: resume)
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

    /// Several threads split the batch into shards; the result equals one thread's up to float
    /// rounding (sums in another order), which shows the shards' losses and gradients are
    /// weighted as the whole batch's.
    func testShardedTrainingMatchesSingleThread() throws {
        let one = temporaryFolder(), three = temporaryFolder()
        let a = try train(one, threads: 1), b = try train(three, threads: 3)
        XCTAssertEqual(a.loss, b.loss, accuracy: 1e-4)
        let wa = try Checkpoint.load(one).model.parameters.storage, wb = try Checkpoint.load(three).model.parameters.storage
        let worst = zip(wa, wb).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(worst, 1e-3)
        XCTAssertEqual(a.log.rows.map(\.loss).count, b.log.rows.count)
        for (x, y) in zip(a.log.rows, b.log.rows) { XCTAssertEqual(x.loss, y.loss, accuracy: 1e-4) }
    }

    /// With a tiny shard budget every sequence is its own shard, several per thread: the result
    /// still equals one thread's up to rounding, and repeats byte for byte.
    func testSeveralShardsPerThreadMatchOneThreadAndRepeat() throws {
        let one = temporaryFolder(), small = temporaryFolder(), again = temporaryFolder()
        let a = try train(one, threads: 1)
        let b = try train(small, threads: 2, shardBytes: 1)
        _ = try train(again, threads: 2, shardBytes: 1)
        XCTAssertEqual(a.loss, b.loss, accuracy: 1e-4)
        let wa = try Checkpoint.load(one).model.parameters.storage, wb = try Checkpoint.load(small).model.parameters.storage
        XCTAssertLessThan(zip(wa, wb).map { abs($0 - $1) }.max() ?? .infinity, 1e-3)
        XCTAssertNotEqual(wa, wb, "eight shards add the gradients in another order than one")
        XCTAssertEqual(bytes(RunFolder(small).modelPath), bytes(RunFolder(again).modelPath))
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

    func testFreshRunReplacesAnEarlierRun() throws {
        let folder = temporaryFolder()
        _ = try train(folder)
        var shorter = config
        shorter.steps = 8
        _ = try train(folder, config: shorter)
        XCTAssertEqual(RunFolder(folder).checkpointSteps, [0, 4, 8])
        XCTAssertEqual(TrainingLog.read(RunFolder(folder).logPath).rows.last?.step, 8)
    }

    func testResumeWithoutCheckpointFails() {
        XCTAssertThrowsError(try train(temporaryFolder(), resume: true)) { error in
            guard case TrainingError.checkpoint(.noCheckpoint)? = error as? TrainingError else {
                return XCTFail("expected noCheckpoint, got \(error)")
            }
        }
    }

    func testDivergenceStopsWithTypedErrorAndKeepsLastGoodCheckpoint() throws {
        var diverging = config
        diverging.lr = 1e30
        diverging.warmupSteps = 0
        diverging.checkpointEvery = 1
        diverging.gradClip = 1e30
        let folder = temporaryFolder()
        XCTAssertThrowsError(try train(folder, config: diverging)) { error in
            guard case TrainingError.nonFiniteLoss(let step, let loss, let last)? = error as? TrainingError else {
                return XCTFail("expected nonFiniteLoss, got \(error)")
            }
            XCTAssertFalse(loss.isFinite)
            XCTAssertNotNil(last)
            XCTAssertEqual(last, RunFolder(folder).checkpointPath(step: step - 1))
            XCTAssertTrue("\(error)".contains("last good checkpoint"))
        }
        let steps = RunFolder(folder).checkpointSteps
        XCTAssertNotNil(steps.last)
        // Every checkpoint written holds finite weights.
        for step in steps {
            let checkpoint = try Checkpoint.load(RunFolder(folder).checkpointPath(step: step))
            XCTAssertTrue(checkpoint.model.parameters.storage.allSatisfy(\.isFinite), "step \(step)")
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
