import Tensor

/// A transformer with its parameters: the entry point for running the forward on tokens.
///
/// For analysis, `run` returns the logits, the loss at each position and an activation cache
/// keyed by ``HookName`` (TransformerLens's hook points), and can rewrite any activation on the
/// way through a hook closure:
///
/// ```swift
/// let model = try Checkpoint.load("runs/study/model.safetensors").model
/// let result = model.run(batch, cache: .hooks([.pattern(0)]))
/// let pattern = result.cache[.pattern(0)]   // [batch, head, query, key]
/// // Mean-ablate MLP 0's output:
/// let ablated = model.run(batch, cache: .none) { hook, activation in
///     if hook == .mlpOut(0) { activation = meanOutput }
/// }
/// ```
///
/// Hook points, in forward order (L = layer): `hook_embed`, `hook_pos_embed`,
/// `blocks.L.hook_resid_pre`, `blocks.L.ln1.hook_scale` `[batch, pos, 1]`,
/// `blocks.L.ln1.hook_normalized`, `blocks.L.attn.hook_q/k/v` `[batch, pos, head, d_head]`,
/// `blocks.L.attn.hook_attn_scores` and `hook_pattern` `[batch, head, query, key]` (scores
/// masked with -inf), `blocks.L.attn.hook_z`, `blocks.L.attn.hook_result`
/// `[batch, pos, head, d_model]` (computed only when cached or hooked), `blocks.L.hook_attn_out`,
/// `blocks.L.hook_resid_mid`, `blocks.L.ln2.hook_scale/hook_normalized`,
/// `blocks.L.mlp.hook_pre/hook_post` `[batch, pos, d_mlp]`, `blocks.L.hook_mlp_out`,
/// `blocks.L.hook_resid_post`, `ln_final.hook_scale`, `ln_final.hook_normalized`. LayerNorm hooks
/// exist only with normalization "LN", MLP hooks only with an MLP. As in TransformerLens,
/// `hook_normalized` is the LayerNorm's output (after `w` and `b`), and a cached activation is
/// the value after the hook ran. Each is a case of ``HookName`` (`.pattern(0)`,
/// `.residPost(1)`, `.layerNorm(.final, .scale)`); the text exists only where a file names one.
public struct Model: Sendable, Equatable {
    public var parameters: Parameters
    public var config: ModelConfig { parameters.config }

    public init(parameters: Parameters) { self.parameters = parameters }

    /// A freshly initialised model (see `Parameters.init(config:seed:)`).
    public init(config: ModelConfig, seed: UInt64) {
        self.init(parameters: Parameters(config: config, seed: seed))
    }

    /// Which activations `run` keeps.
    public enum CacheSelection: Sendable {
        case none, all
        case hooks(Set<HookName>)
    }

    /// What one forward returns.
    public struct ForwardResult: Sendable {
        /// `[batch, pos, d_vocab]`
        public var logits: Tensor
        /// Cross-entropy at each position, `[batch, pos]`; 0 where the batch's mask is 0.
        public var lossPerPosition: Tensor
        /// Mean loss over the masked-in positions (0 if there are none).
        public var loss: Float
        /// Activations by hook point.
        public var cache: [HookName: Tensor]
    }

    /// Runs the forward on `batch` (sequences up to `n_ctx` long), keeping the activations
    /// `cache` selects and letting `hook` rewrite any of them. Uses the same kernels as
    /// training, so without a hook the logits are those the trainer saw.
    ///
    /// `hooking` limits the hook to those hook points (nil: every one), so that a forward that
    /// rewrites one activation does not copy all the others.
    public func run(_ batch: TokenBatch, cache: CacheSelection = .all, hooking: Set<HookName>? = nil,
                    hook: ((HookName, inout Tensor) -> Void)? = nil) -> ForwardResult {
        ForwardRunner(model: self, capacity: batch.batch, length: batch.length)
            .run(batch, cache: cache, hooking: hooking, hook: hook)
    }

    /// The mean loss on `batch` and its gradient with respect to every parameter, in the
    /// layout of `parameters.storage` (zero for frozen `W_pos`). Allocates a workspace per call;
    /// the trainer keeps one instead.
    public func lossAndGradient(on batch: TokenBatch) -> (loss: Float, gradient: [Float]) {
        let ws = Workspace(config: config, batch: batch.batch, length: batch.length)
        ws.load(batch)
        var storage = parameters.storage
        var gradient = [Float](repeating: 0, count: storage.count)
        let loss = storage.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeMutableBufferPointer { g in
                let w = ModelWeights(base: p.baseAddress!, layout: parameters.layout, config: config)
                let gw = ModelWeights(base: g.baseAddress!, layout: parameters.layout, config: config)
                Propagation.forward(w, ws, observer: nil)
                let loss = Loss.crossEntropyGradient(ws)
                Propagation.backward(w, gw, ws)
                return loss
            }
        }
        return (loss, gradient)
    }
}
