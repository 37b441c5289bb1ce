import Reproducible
import Tensor

/// AdamW with `torch.optim.AdamW`'s semantics (the single-tensor CPU path):
///
///     p = p * (1 - lr * weight_decay)              decoupled weight decay
///     m = lerp(m, g, 1 - beta1);  v = beta2 v + (1 - beta2) g^2
///     p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
///
/// Every trainable parameter is decayed, biases and LayerNorm weights included, exactly as the
/// study's `AdamW(model.parameters(), weight_decay=0.1)` does. A frozen `W_pos` (no positional
/// embeddings) is skipped entirely, as `requires_grad=False` parameters are in PyTorch.
public struct AdamW: Sendable, Equatable {
    public var beta1: Float
    public var beta2: Float
    public var eps: Float = 1e-8
    public var weightDecay: Float
    /// Updates taken so far (PyTorch's `state["step"]`).
    public var step: Int = 0
    /// First and second moments, in the parameters' flat layout.
    public var m: [Float]
    public var v: [Float]
    /// The flat ranges the optimiser updates.
    public let trainable: [Range<Int>]

    public init(layout: ParameterLayout, betas: (Float, Float), weightDecay: Float) {
        beta1 = betas.0; beta2 = betas.1; self.weightDecay = weightDecay
        m = [Float](repeating: 0, count: layout.totalCount)
        v = m
        trainable = layout.entries.filter(\.trainable).map { $0.offset..<$0.offset + $0.count }
    }

    /// One update with learning rate `lr`.
    public mutating func update(_ parameters: inout [Float], gradient: [Float], lr: Float) {
        step += 1
        let correction1 = 1 - ReproducibleMath.power(Double(beta1), step)
        let correction2Root = (1 - ReproducibleMath.power(Double(beta2), step)).squareRoot()
        let stepSize = Float(Double(lr) / correction1)
        let decay = 1 - lr * weightDecay
        let (b1, b2, eps) = (beta1, beta2, self.eps)
        let root2 = Float(correction2Root)
        let oneMinusB1 = 1 - b1, oneMinusB2 = 1 - b2
        parameters.withUnsafeMutableBufferPointer { p in
            gradient.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        for range in trainable {
                            for i in range {
                                p[i] *= decay
                                m[i] += oneMinusB1 * (g[i] - m[i])
                                v[i] = v[i] * b2 + oneMinusB2 * g[i] * g[i]
                                p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Clipping by global gradient norm, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// Scales `gradient` (over `ranges`) by `maxNorm / (norm + 1e-6)` when that is below 1 and
    /// returns the norm before clipping. The norm is summed in `Double`, in layout order.
    @discardableResult
    public static func clip(_ gradient: inout [Float], ranges: [Range<Int>], maxNorm: Float) -> Float {
        var sum: Double = 0
        for range in ranges { for i in range { sum += Double(gradient[i]) * Double(gradient[i]) } }
        let norm = Float(sum.squareRoot())
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for range in ranges { for i in range { gradient[i] *= coefficient } }
        }
        return norm
    }
}
