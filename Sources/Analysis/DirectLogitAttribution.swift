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

    /// One residual-stream writer: a name and its output at each of the batch × n_ctx rows.
    ///
    /// The output is read in place: row `r`'s vector starts at `first + (r % period) * stride` in
    /// `values`. So a `[pos, d]` positional embedding serves every sequence, and a head's output
    /// `z_h W_O[h]` is given as its slice of `hook_z` `[batch, pos, head, d_head]` times `W_O[h]`
    /// (`factor`), and never formed: only `W_O[h]` times each target's direction is.
    public struct Writer {
        public var name: String
        let values: Tensor
        let rows: Int, first: Int, stride: Int, period: Int
        /// `[width, d_model]`, or nil when the rows are d_model-vectors themselves.
        let factor: Tensor?

        /// A writer whose output is `[batch, n_ctx, d_model]`, row after row.
        public init(name: String, output: Tensor) {
            let d = output.shape.last ?? 0
            self.init(name: name, output: output, rows: d == 0 ? 0 : output.count / d, first: 0, stride: d)
        }

        /// A writer whose `rows` d_model-vectors lie in `output` as described above.
        public init(name: String, output: Tensor, rows: Int, first: Int, stride: Int, period: Int? = nil) {
            self.init(name: name, values: output, rows: rows, first: first, stride: stride, period: period, factor: nil)
        }

        /// A writer whose output at each row is the row's vector of `inputs` (laid out as above)
        /// times `factor` `[width, d_model]`.
        public init(name: String, inputs: Tensor, rows: Int, first: Int, stride: Int, times factor: Tensor) {
            self.init(name: name, values: inputs, rows: rows, first: first, stride: stride, period: nil, factor: factor)
        }

        private init(name: String, values: Tensor, rows: Int, first: Int, stride: Int, period: Int?, factor: Tensor?) {
            self.name = name; self.values = values; self.factor = factor
            self.rows = rows; self.first = first; self.stride = stride; self.period = period ?? max(rows, 1)
        }

        func start(_ row: Int) -> Int { first + (row % period) * stride }

        /// Whether it has `rows` rows that lie inside `values` and map to d_model-vectors.
        func fits(rows expected: Int, d: Int) -> Bool {
            let width = factor?.shape[0] ?? d
            return rows == expected && first >= 0 && stride >= 0 && period > 0
                && (factor.map { $0.rank == 2 && $0.shape[1] == d } ?? true)
                && (rows == 0 || start(min(period, rows) - 1) + width <= values.count)
        }
    }

    /// - Parameters:
    ///   - writers: every component's output (biases excluded), batch × n_ctx rows each.
    ///   - biasWrite: the sum of the output biases written to every position, `[d_model]`.
    ///   - finalScale: `ln_final.hook_scale`, `[batch, n_ctx]` (or all ones without LN).
    ///   - lnWeight, lnBias: `ln_final.w`, `ln_final.b` (ones and zeros without LN).
    ///   - centre: whether the final norm centres its input (LN does, no-norm does not).
    ///   - targets: the correct token at each position, `[batch, n_ctx]`, negative where none.
    public init(writers: [Writer], batch: Int, length n: Int, biasWrite: Tensor, finalScale: Tensor, lnWeight: Tensor,
                lnBias: Tensor, centre: Bool, unembed: Tensor, unembedBias: Tensor, targets: [Int]) throws(AnalysisError) {
        guard unembed.rank == 2, biasWrite.shape == [unembed.shape[0]] else {
            throw .badInput("logit attribution: W_U \(unembed.shape) and the output bias \(biasWrite.shape) disagree")
        }
        let (d, vocabulary) = (unembed.shape[0], unembed.shape[1])
        guard targets.count == batch * n, finalScale.count == batch * n, targets.allSatisfy({ $0 < vocabulary }),
              writers.allSatisfy({ $0.fits(rows: batch * n, d: d) }) else {
            throw .badInput("logit attribution: outputs, scales and targets disagree in shape")
        }
        components = writers.map(\.name) + ["bias"]
        var totals = [Double](repeating: 0, count: components.count * n)
        var counts = [Int](repeating: 0, count: n)
        var direction = [Float](repeating: 0, count: d)
        // Per target token, each factored writer's factor times the (centred) direction.
        var factoredDirections = [[Double]?](repeating: nil, count: vocabulary)
        for b in 0..<batch {
            for p in 0..<n {
                let target = targets[b * n + p]
                guard target >= 0 else { continue }
                counts[p] += 1
                for j in 0..<d { direction[j] = lnWeight.scalars[j] * unembed.scalars[j * vocabulary + target] }
                if factoredDirections[target] == nil {
                    factoredDirections[target] = Self.factoredDirections(writers, direction, centre: centre)
                }
                let factored = factoredDirections[target] ?? []
                let scale = Double(finalScale.scalars[b * n + p])
                var offset = 0
                for (c, writer) in writers.enumerated() {
                    let start = writer.start(b * n + p)
                    if let factor = writer.factor {
                        let width = factor.shape[0]
                        var total = 0.0
                        for k in 0..<width { total += Double(writer.values.scalars[start + k]) * factored[offset + k] }
                        offset += width
                        totals[c * n + p] += total / scale
                    } else {
                        totals[c * n + p] += Self.projected(writer.values.scalars, from: start, d: d, centre: centre, onto: direction) / scale
                    }
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

    /// `factor · (direction − mean(direction))` (not centred without `centre`) for every
    /// factored writer, one after another: since `(x − mean(x)) · u = x · (u − mean(u))`,
    /// a row's contribution is then its input vector dotted with its part of this.
    private static func factoredDirections(_ writers: [Writer], _ direction: [Float], centre: Bool) -> [Double] {
        let d = direction.count
        var mean = 0.0
        if centre { for j in 0..<d { mean += Double(direction[j]) }; mean /= Double(d) }
        let centred = direction.map { Double($0) - mean }
        var out = [Double]()
        for factor in writers.compactMap(\.factor) {
            for k in 0..<factor.shape[0] {
                var total = 0.0
                for j in 0..<d { total += Double(factor.scalars[k * d + j]) * centred[j] }
                out.append(total)
            }
        }
        return out
    }
}
