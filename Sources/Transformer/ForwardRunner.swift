import Tensor

/// Runs many forwards of one model through one set of buffers.
///
/// `Model.run` builds its buffers for each call. A sweep of many forwards (the ablations, say)
/// would then touch fresh memory every time, and at analysis sizes the kernel's zeroing of
/// those pages costs more than the forward itself. A runner allocates once, for `capacity`
/// sequences, and takes any batch of that length up to that size.
public final class ForwardRunner {
    public let model: Model
    let workspace: Workspace
    /// The runner's own copy of the weights: the kernels take a mutable pointer (training shares
    /// them), and borrowing the model's array that way would copy it at every forward.
    private var storage: [Float]

    /// The most sequences one `run` takes.
    public var capacity: Int { workspace.capacity }

    public init(model: Model, capacity: Int, length: Int) {
        self.model = model
        workspace = Workspace(config: model.config, batch: capacity, length: length, gradients: false)
        storage = model.parameters.storage
    }

    /// `Model.run` on these buffers; `batch` must have the runner's length and at most its
    /// capacity of sequences.
    ///
    /// `resuming` starts the forward at a layer L ≥ 1, from the residual stream entering it
    /// (`[batch, pos, d_model]`: `blocks.L.hook_resid_pre`, or at L = n_layers the last layer's
    /// `hook_resid_post`, to run only `ln_final` and the unembedding): a sweep that changes only
    /// later activations need not recompute the earlier ones. Every kernel computes a row from
    /// its own sequence alone, so a residual from another forward of the same tokens (even a
    /// larger batch) gives the bits the whole forward would.
    public func run(_ batch: TokenBatch, resuming: (layer: Int, residual: Tensor)? = nil,
                    cache: Model.CacheSelection = .all, hooking: Set<HookName>? = nil,
                    hook: ((HookName, inout Tensor) -> Void)? = nil) -> Model.ForwardResult {
        let ws = workspace, config = model.config, parameters = model.parameters
        ws.loadWhole(batch)
        if let resuming {
            precondition((1...config.nLayers).contains(resuming.layer), "no layer \(resuming.layer) to resume at")
            precondition(resuming.residual.shape == [batch.batch, batch.length, config.dModel],
                         "the residual to resume from is \(resuming.residual.shape), not [\(batch.batch), \(batch.length), \(config.dModel)]")
            resuming.residual.scalars.withUnsafeBufferPointer { ws.resid[2 * resuming.layer].update(from: $0.baseAddress!, count: $0.count) }
        }
        let names: Set<HookName>?
        switch cache {
        case .none: names = []
        case .all: names = nil
        case .hooks(let set): names = set
        }
        let needsObserver = hook != nil || names.map { !$0.isEmpty } ?? true
        let observer = needsObserver ? ActivationObserver(cacheNames: names, hook: hook, hookNames: hooking) : nil
        let loss = storage.withUnsafeMutableBufferPointer { p -> Float in
            let w = ModelWeights(base: p.baseAddress!, layout: parameters.layout, config: config)
            Propagation.forward(w, ws, observer: observer, fromLayer: resuming?.layer ?? 0)
            return Loss.crossEntropy(ws)
        }
        let n = ws.rows
        return Model.ForwardResult(
            logits: Tensor(shape: [batch.batch, batch.length, config.dVocab],
                           scalars: Array(UnsafeBufferPointer(start: ws.logits, count: n * config.dVocab))),
            lossPerPosition: Tensor(shape: [batch.batch, batch.length],
                                    scalars: Array(UnsafeBufferPointer(start: ws.rowLoss, count: n))),
            loss: loss, cache: observer?.cache ?? [:])
    }
}
