import Tensor

/// Direct logit attribution: how much each component writing to the residual stream adds to
/// the logit of the correct token, by position.
///
/// The final LayerNorm is linear once its scale is fixed, so with the scale taken from the
/// cache (`ln_final.hook_scale`) each component c contributes
/// `((c − mean(c)) / scale) · (ln_final.w ⊙ W_U[:, target])`. The constant rest (ln_final.b,
/// b_U and the attention and MLP output biases) is one more component, "bias", so the
/// components add up to the model's logit exactly (tests check it).
public struct DirectLogitAttribution: Sendable {
    /// Component names, e.g. `embed`, `L0H0`, `mlp0`, `bias`.
    public var components: [String]
    /// `[components, n_ctx]`: the mean contribution over the batch, for positions ≥ 1 (position
    /// 0, BOS, has no target; its column is 0).
    public var meanByPosition: Tensor

    /// One residual-stream writer: a name and its output `[batch, n_ctx, d_model]`.
    public struct Writer {
        public var name: String
        public var output: Tensor
        public init(name: String, output: Tensor) { self.name = name; self.output = output }
    }

    /// - Parameters:
    ///   - writers: every component's output, `[batch, n_ctx, d_model]` each, biases excluded.
    ///   - biasWrite: the sum of the output biases written to every position, `[d_model]`.
    ///   - finalScale: `ln_final.hook_scale`, `[batch, n_ctx]` (or all ones without LN).
    ///   - lnWeight, lnBias: `ln_final.w`, `ln_final.b` (ones and zeros without LN).
    ///   - centre: whether the final norm centres its input (LN does, no-norm does not).
    ///   - targets: the correct token at each position, `[batch, n_ctx]`, negative where none.
    public init(writers: [Writer], biasWrite: Tensor, finalScale: Tensor, lnWeight: Tensor, lnBias: Tensor,
                centre: Bool, unembed: Tensor, unembedBias: Tensor, targets: [Int]) throws(AnalysisError) {
        guard let first = writers.first, first.output.rank == 3 else {
            throw .badInput("logit attribution needs [batch, n_ctx, d_model] outputs")
        }
        let (batch, n, d) = (first.output.shape[0], first.output.shape[1], first.output.shape[2])
        guard targets.count == batch * n, finalScale.count == batch * n,
              writers.allSatisfy({ $0.output.shape == first.output.shape }) else {
            throw .badInput("logit attribution: outputs, scales and targets disagree in shape")
        }
        let vocabulary = unembed.shape[1]
        components = writers.map(\.name) + ["bias"]
        var totals = [Double](repeating: 0, count: components.count * n)
        var counts = [Int](repeating: 0, count: n)
        var direction = [Float](repeating: 0, count: d)
        for b in 0..<batch {
            for p in 0..<n {
                let target = targets[b * n + p]
                guard target >= 0 else { continue }
                counts[p] += 1
                for j in 0..<d { direction[j] = lnWeight.scalars[j] * unembed.scalars[j * vocabulary + target] }
                let scale = Double(finalScale.scalars[b * n + p])
                let row = (b * n + p) * d
                for (c, writer) in writers.enumerated() {
                    totals[c * n + p] += Self.projected(writer.output.scalars, from: row, d: d, centre: centre, onto: direction) / scale
                }
                var constant = Self.projected(biasWrite.scalars, from: 0, d: d, centre: centre, onto: direction) / scale
                for j in 0..<d { constant += Double(lnBias.scalars[j] * unembed.scalars[j * vocabulary + target]) }
                constant += Double(unembedBias.scalars[target])
                totals[writers.count * n + p] += constant
            }
        }
        meanByPosition = Tensor(shape: [components.count, n], generating: { index in
            let p = index % n
            return counts[p] > 0 ? Float(totals[index] / Double(counts[p])) : 0
        })
    }

    /// (x − mean(x)) · direction for one d-vector of `values` starting at `start`.
    private static func projected(_ values: [Float], from start: Int, d: Int, centre: Bool, onto direction: [Float]) -> Double {
        var mean = 0.0
        if centre { for j in 0..<d { mean += Double(values[start + j]) }; mean /= Double(d) }
        var total = 0.0
        for j in 0..<d { total += (Double(values[start + j]) - mean) * Double(direction[j]) }
        return total
    }
}
