import Tensor

/// One optimiser step, with every buffer it needs made once: the workspace, the gradient and
/// the batch. The trainer and the benchmark both drive it.
final class TrainingStep {
    let config: TrainingConfig
    let layout: ParameterLayout
    let task: any Task
    let workspace: Workspace
    var parameters: Parameters
    var optimizer: AdamW
    var generator: RandomGenerator
    var gradient: [Float]
    var batch: TokenBatch

    init(config: TrainingConfig, parameters: Parameters, optimizer: AdamW, generator: RandomGenerator) {
        self.config = config
        layout = parameters.layout
        task = config.task.task
        let length = config.model.nCtx
        workspace = Workspace(config: config.model, batch: config.batch, length: length)
        self.parameters = parameters; self.optimizer = optimizer; self.generator = generator
        gradient = [Float](repeating: 0, count: layout.totalCount)
        batch = TokenBatch(tokens: [Int32](repeating: 0, count: config.batch * length), batch: config.batch, length: length)
    }

    /// Draws a batch, computes loss and gradient, clips, and updates with `lr`. Returns the loss
    /// and the gradient norm before clipping; with a non-finite loss nothing is updated.
    func run(lr: Float) -> (loss: Float, gradNorm: Float) {
        task.fill(&batch, vocabulary: config.model.dVocab, generator: &generator)
        workspace.load(batch)
        let (layout, model, ws) = (self.layout, config.model, workspace)
        let loss = parameters.storage.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g -> Float in
                let w = ModelWeights(base: p.baseAddress!, layout: layout, config: model)
                let gw = ModelWeights(base: g.baseAddress!, layout: layout, config: model)
                Propagation.forward(w, ws, observer: nil)
                let loss = Loss.crossEntropyGradient(ws)
                guard loss.isFinite else { return loss }
                Propagation.backward(w, gw, ws)
                return loss
            }
        }
        guard loss.isFinite else { return (loss, .nan) }
        let norm = GradientClipping.clip(&gradient, ranges: optimizer.trainable, maxNorm: config.gradClip)
        optimizer.update(&parameters.storage, gradient: gradient, lr: lr)
        return (loss, norm)
    }
}
