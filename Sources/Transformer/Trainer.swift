import AtomicFiles
import Foundation
import Tensor

/// Trains a model on its task and keeps the run folder up to date.
///
/// Every step: a fresh batch from the training generator, forward, fused cross-entropy,
/// backward, gradient clipping, AdamW. Nothing is allocated in the step: the workspace,
/// gradient and batch buffers are made once. With the same config, seed and thread count the
/// checkpoints are byte-identical, and a resumed run ends byte-identical to an uninterrupted one.
///
/// Random streams (all from `config.seed`): 0 initial weights, 1 training batches,
/// 2 the held-out evaluation batch.
public final class Trainer {
    public let config: TrainingConfig
    public let folder: RunFolder
    public let threads: Int
    public var progress: Progress
    /// Polled before every step; returning true stops the run with a checkpoint.
    public var shouldStop: () -> Bool = { InterruptFlag.isRaised }
    /// How the run is resumed, for the interruption message.
    public var resumeCommand: String
    /// Where a diverged run keeps its post-mortem files (its last good checkpoint and the diverged
    /// state), when the run folder itself is a temporary one that a pipeline discards on failure.
    /// Nil: they stay in the run folder, and the advice is to start again with --overwrite.
    public var postMortemFolder: String?
    /// Whether `log.csv` records tokens/s. Off, identical runs give byte-identical run folders
    /// (pipelines turn it off; the throughput still shows in the progress output).
    public var recordsThroughput = true
    /// The most memory one shard of the batch may take (see `TrainingStep`). The checkpoints
    /// depend on it (it sets how many shards the gradient is summed over), not on the threads.
    public var shardBytes = TrainingStep.defaultShardBytes
    public static let defaultShardBytes = TrainingStep.defaultShardBytes

    /// The shards a step splits the batch into; a function of the config and the budget only.
    public static func shardCount(config: TrainingConfig, shardBytes: Int = defaultShardBytes) -> Int {
        TrainingStep.shardCount(config: config, shardBytes: shardBytes)
    }

    public struct Summary: Sendable, Equatable {
        public var step: Int
        public var loss: Float
        public var evalLoss: Float
        public var seconds: Double
        public var log: TrainingLog
    }

    public init(config: TrainingConfig, folder: String, threads: Int = 1, progress: Progress = .automatic()) {
        self.config = config; self.folder = RunFolder(folder); self.threads = max(1, threads)
        self.progress = progress
        resumeCommand = "rederive train --config CONFIG.yaml --out \(folder) --resume"
    }

    /// Runs from scratch (or from the latest valid checkpoint when `resume`) to `config.steps`.
    ///
    /// A fresh run refuses a folder that already holds a run unless `overwrite`; then the old
    /// run is set aside in `previous-run/` and deleted once the new one's first checkpoint is
    /// written. Resuming skips (and sets aside as `broken-...`) newer checkpoints that cannot be
    /// read, e.g. one cut short by a kill. Temporary files of killed processes are removed.
    public func run(resume: Bool = false, overwrite: Bool = false) throws(TrainingError) -> Summary {
        try prepareFolder()
        let c = config, layout = ParameterLayout(config: c.model)
        let begin = try beginning(resume: resume, overwrite: overwrite, layout: layout)
        let evalWorkspace = evaluationWorkspace()
        let state = TrainingStep(config: c, parameters: begin.parameters, optimizer: begin.optimizer, generator: begin.generator,
                                 shardBytes: shardBytes)
        let record = RunRecord(trainer: self, state: state, layout: layout, log: begin.log,
                               lastCheckpoint: resume ? folder.checkpointPath(step: begin.step) : nil)
        if !resume {
            record.lastCheckpoint = try record.save(step: 0, loss: .nan, isModel: false)
            if begin.setAside { folder.removePreviousRun() }
        }

        let began = Date()
        let (lastLoss, evalLoss) = try train(record, from: begin.step, lastLoss: begin.lastLoss, evalWorkspace: evalWorkspace, began: began)
        if begin.step >= c.steps {
            // Nothing left to do; make sure model.safetensors is the latest checkpoint.
            _ = try record.save(step: begin.step, loss: lastLoss, isModel: true)
        }
        return Summary(step: c.steps, loss: lastLoss, evalLoss: evalLoss,
                       seconds: Date().timeIntervalSince(began), log: record.log)
    }

    /// Checks the memory the run needs and the folder, creates it, and removes the temporary
    /// files of killed processes.
    private func prepareFolder() throws(TrainingError) {
        ComputeThreads.count = threads
        do { try MemoryBudget.requireTraining(config) } catch { throw .memory(error) }
        do { try folder.requireTrainable() } catch { throw .refusedFolder(error) }
        do { try folder.create() } catch { throw .checkpoint(error) }
        folder.removeStaleTemporaries()
    }

    /// Where a run starts: its weights, optimizer, batch generator and log, and the step.
    private struct Beginning {
        var parameters: Parameters
        var optimizer: AdamW
        var generator: RandomGenerator
        var log = TrainingLog()
        var step = 0
        var lastLoss = Float.nan
        /// Whether an old run was set aside in `previous-run/` (deleted after the first checkpoint).
        var setAside = false
    }

    /// From the latest valid checkpoint when `resume`; else from scratch, setting aside the run
    /// the folder holds when `overwrite` (and refusing it otherwise).
    private func beginning(resume: Bool, overwrite: Bool, layout: ParameterLayout) throws(TrainingError) -> Beginning {
        let c = config
        let onlyPreviousRun = folder.checkpointSteps.isEmpty && FileManager.default.fileExists(atPath: folder.previousRunPath)
        if onlyPreviousRun && !overwrite { throw .onlyPreviousRun(folder: folder.path) }
        if resume {
            let point = try resumePoint(layout)
            var begin = Beginning(parameters: point.checkpoint.model.parameters, optimizer: point.state.optimizer,
                                  generator: RandomGenerator(rawState: point.state.generatorState))
            begin.lastLoss = point.checkpoint.loss
            begin.step = point.step
            begin.log = TrainingLog.read(folder.logPath)
            begin.log.rows.removeAll { $0.step > begin.step }
            progress.message("resuming \(folder.path) from step \(begin.step)")
            return begin
        }
        var setAside = false
        if folder.holdsRun {
            guard overwrite else { throw .existingRun(folder: folder.path, lastStep: folder.checkpointSteps.last ?? 0) }
            do { try folder.setAsidePreviousRun() } catch { throw .checkpoint(error) }
            setAside = true
        }
        var begin = Beginning(parameters: Parameters(config: c.model, seed: c.seed),
                              optimizer: AdamW(layout: layout, betas: c.betas, weightDecay: c.weightDecay),
                              generator: RandomGenerator(seed: c.seed, stream: 1))
        begin.setAside = setAside
        return begin
    }

    /// The workspace holding the fixed held-out batch (random stream 2).
    private func evaluationWorkspace() -> Workspace {
        let c = config, length = c.model.nCtx
        let evalWorkspace = Workspace(config: c.model, batch: c.evalBatch, length: length, gradients: false)
        var evalGenerator = RandomGenerator(seed: c.seed, stream: 2)
        evalWorkspace.load(c.task.task.makeBatch(batch: c.evalBatch, length: length, vocabulary: c.model.dVocab,
                                                 generator: &evalGenerator))
        return evalWorkspace
    }

    /// Steps from `start` to `config.steps`: a log row every `logEvery` steps (and at the first
    /// and last), a checkpoint every `checkpointEvery` (and at the last), and a checkpoint before
    /// stopping when asked. Returns the last loss and held-out loss.
    private func train(_ record: RunRecord, from start: Int, lastLoss: Float, evalWorkspace: Workspace,
                       began: Date) throws(TrainingError) -> (loss: Float, evalLoss: Float) {
        let c = config, state = record.state, layout = record.layout, length = c.model.nCtx
        let schedule = LearningRateSchedule(c)
        var lastLoss = lastLoss
        var intervalStart = Date(), intervalSteps = 0
        var evalLoss = record.log.rows.last?.evalLoss ?? .nan
        let tokensPerStep = Double(c.batch * length)
        for step in start..<c.steps {
            if shouldStop() {
                let path = try record.save(step: step, loss: lastLoss, isModel: true)
                throw .interrupted(step: step, checkpoint: path, resumeCommand: resumeCommand)
            }
            let lr = schedule.rate(at: step)
            let (loss, norm) = state.run(lr: lr)
            guard loss.isFinite else {
                throw record.diverged(step: step + 1, what: "the loss is \(loss)",
                                      checkpoint: Checkpoint(model: Model(parameters: state.parameters), config: c, step: step + 1,
                                                             loss: loss, optimizerFile: nil))
            }
            lastLoss = loss
            let done = step + 1
            intervalSteps += 1
            let elapsed = Date().timeIntervalSince(intervalStart)
            let speed = elapsed > 0 ? Double(intervalSteps) * tokensPerStep / elapsed : 0
            if done % c.logEvery == 0 || done == c.steps || done == 1 {
                evalLoss = evaluate(state.parameters, evalWorkspace, layout)
                record.log.rows.append(.init(step: done, loss: loss, evalLoss: evalLoss, lr: lr, gradNorm: norm,
                                             tokensPerSecond: recordsThroughput ? speed : nil))
                intervalStart = Date(); intervalSteps = 0
                // Rows past the last checkpoint are dropped again on resume.
                do { try record.log.write(to: folder.logPath) } catch { throw .checkpoint(error) }
            }
            if done % c.checkpointEvery == 0 || done == c.steps {
                record.lastCheckpoint = try record.save(step: done, loss: loss, isModel: true)
            }
            let secondsLeft = Date().timeIntervalSince(began) / Double(done - start) * Double(c.steps - done)
            progress.update(step: done, total: c.steps, loss: loss,
                            tokensPerSecond: Double(done - start) * tokensPerStep / max(Date().timeIntervalSince(began), 1e-9),
                            secondsLeft: secondsLeft)
        }
        return (lastLoss, evalLoss)
    }

    /// The newest checkpoint whose weights and optimizer state both load (all finite, nothing
    /// cut short); newer unreadable ones are set aside with a message.
    private func resumePoint(_ layout: ParameterLayout) throws(TrainingError) -> (step: Int, checkpoint: Checkpoint, state: OptimizerState) {
        let c = config
        for step in folder.resumableSteps.reversed() {
            let path = folder.checkpointPath(step: step)
            do {
                let checkpoint = try Checkpoint.load(path)
                guard checkpoint.config.model == c.model, checkpoint.config.seed == c.seed, checkpoint.config.task == c.task else {
                    throw TrainingError.checkpoint(.configMismatch(folder: folder.path, checkpoint: path))
                }
                let state = try OptimizerState.read(folder.optimizerPath(step: step), layout: layout,
                                                    betas: c.betas, weightDecay: c.weightDecay)
                return (step, checkpoint, state)
            } catch let error as TrainingError {
                throw error
            } catch {
                progress.message("skipping \(path): \(error)")
                folder.setAsideBrokenCheckpoint(step: step)
            }
        }
        throw .checkpoint(.noCheckpoint(folder: folder.path))
    }

    /// What is not finite among the parameters and the optimizer's moments, in words, or nil.
    static func firstNonFinite(_ parameters: [Float], _ optimizer: AdamW, _ layout: ParameterLayout) -> String? {
        for (label, values) in [("parameter", parameters), ("AdamW first moment of", optimizer.m),
                                ("AdamW second moment of", optimizer.v)] {
            guard let flat = values.firstIndex(where: { !$0.isFinite }),
                  let entry = layout.entries.first(where: { $0.offset <= flat && flat < $0.offset + $0.count }) else { continue }
            let index = Tensor.index(ofFlat: flat - entry.offset, shape: entry.shape)
            return "\(label) '\(entry.name)' holds \(values[flat]) at index \(index)"
        }
        return nil
    }

    /// Loss on the fixed held-out batch.
    private func evaluate(_ parameters: Parameters, _ ws: Workspace, _ layout: ParameterLayout) -> Float {
        var storage = parameters.storage
        return storage.withUnsafeMutableBufferPointer { p in
            Propagation.forward(ModelWeights(base: p.baseAddress!, layout: layout, config: config.model), ws, observer: nil)
            return Loss.crossEntropy(ws)
        }
    }
}

extension Trainer {
    /// Where a divergence's files are named: in the run folder, or in the post-mortem folder,
    /// with a copy of the last good checkpoint, when there is one. A post-mortem folder that
    /// Rederive did not make is left alone (the files stay in the run folder).
    func postMortemPaths(lastCheckpoint: String?, step: Int) -> (last: String?, diverged: String) {
        guard let postMortemFolder, (try? OwnedFolder.requireReplaceable(postMortemFolder, by: [.run], advice: "")) != nil,
              (try? AtomicFile.makeFolders(RunFolder(postMortemFolder).checkpointsPath)) != nil,
              (try? OwnedFolder.mark(postMortemFolder, as: .run)) != nil else {
            return (lastCheckpoint, folder.divergedPath(step: step))
        }
        let keep = RunFolder(postMortemFolder)
        guard let lastCheckpoint, let bytes = FileManager.default.contents(atPath: lastCheckpoint) else {
            return (lastCheckpoint, keep.divergedPath(step: step))
        }
        let copy = keep.checkpointsPath + "/" + (lastCheckpoint as NSString).lastPathComponent
        let copied = (try? AtomicFile.write(Array(bytes), to: copy)) != nil
        return (copied ? copy : lastCheckpoint, keep.divergedPath(step: step))
    }
}

extension Trainer {
    /// What a run writes as it goes: the training log and the checkpoints of its state. A
    /// checkpoint is written only when every parameter and optimizer moment is finite, so that
    /// the newest one is always a good one; otherwise the state goes to a post-mortem file.
    final class RunRecord {
        let trainer: Trainer
        let state: TrainingStep
        let layout: ParameterLayout
        var log: TrainingLog
        /// The newest good checkpoint, named when the run diverges.
        var lastCheckpoint: String?

        init(trainer: Trainer, state: TrainingStep, layout: ParameterLayout, log: TrainingLog, lastCheckpoint: String?) {
            self.trainer = trainer; self.state = state; self.layout = layout; self.log = log; self.lastCheckpoint = lastCheckpoint
        }

        func save(step: Int, loss: Float, isModel: Bool) throws(TrainingError) -> String {
            let folder = trainer.folder
            let checkpoint = Checkpoint(model: Model(parameters: state.parameters), config: trainer.config, step: step, loss: loss,
                                        optimizerFile: RunFolder.optimizerName(step: step))
            if let bad = Trainer.firstNonFinite(state.parameters.storage, state.optimizer, layout) {
                throw diverged(step: step, what: bad, checkpoint: checkpoint)
            }
            let path = folder.checkpointPath(step: step)
            do {
                try OptimizerState(optimizer: state.optimizer, generatorState: state.generator.rawState)
                    .write(to: folder.optimizerPath(step: step), layout: layout)
                try checkpoint.write(to: path)
                if isModel { try checkpoint.write(to: folder.modelPath) }
                try log.write(to: folder.logPath)
            } catch { throw .checkpoint(error) }
            return path
        }

        func diverged(step: Int, what: String, checkpoint: Checkpoint) -> TrainingError {
            let (last, path) = trainer.postMortemPaths(lastCheckpoint: lastCheckpoint, step: step)
            let saved = (try? checkpoint.file.write(to: path)) != nil
            return .diverged(step: step, what: what, lastCheckpoint: last, divergedFile: saved ? path : nil,
                             inPipeline: trainer.postMortemFolder != nil)
        }
    }
}
