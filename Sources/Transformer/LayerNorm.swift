import Tensor

/// TransformerLens's LayerNorm: `x - mean`, divided by `scale = sqrt(biased var + eps)`
/// (hook_scale), times `w` plus `b` (hook_normalized). With normalization "none" it is the
/// identity and its buffers alias the input.
enum LayerNorm {
    static func forward(input x: UnsafeMutablePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>,
                        _ buffers: Workspace.Norm, _ ws: Workspace, name: String, observer: ActivationObserver?) {
        guard ws.config.hasLayerNorm else { return }
        let d = ws.config.dModel, eps = ws.config.eps
        let mean = buffers.mean, scale = buffers.scale
        Parallel.forRanges(ws.rows, parts: ws.parts) { range in
            for r in range {
                let row = x + r * d
                let mu = VectorMath.sum(row, d) / Float(d)
                let squares = VectorMath.centeredSquares(row, d, center: mu)
                mean[r] = mu
                scale[r] = (squares / Float(d) + eps).squareRoot()
            }
        }
        observer?.visit(name + ".hook_scale", scale, shape: [ws.batch, ws.length, 1])
        let normalized = buffers.normalized, out = buffers.out
        Parallel.forRanges(ws.rows, parts: ws.parts) { range in
            for r in range {
                let row = x + r * d, xhat = normalized + r * d, y = out + r * d
                let mu = mean[r], s = scale[r]
                for j in 0..<d {
                    let v = (row[j] - mu) / s
                    xhat[j] = v
                    y[j] = v * w[j] + b[j]
                }
            }
        }
        observer?.visit(name + ".hook_normalized", out, shape: [ws.batch, ws.length, d])
    }

    /// Given `dOut` (gradient of the output), adds the input's gradient into `dInput` and writes
    /// `dw`, `db`:
    /// `dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / scale` with `dxhat = dOut * w`.
    static func backward(dOut: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                         w: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>,
                         _ buffers: Workspace.Norm, _ ws: Workspace, accumulate: Bool) {
        let d = ws.config.dModel, rows = ws.rows
        guard ws.config.hasLayerNorm else {
            if accumulate { Kernels.add(dInput, dOut, into: dInput, count: rows * d, parts: ws.parts) }
            else { dInput.update(from: dOut, count: rows * d) }
            return
        }
        let normalized = buffers.normalized, scale = buffers.scale
        // dw = Σ dOut * xhat, db = Σ dOut, in fixed chunks.
        let chunks = Parallel.reductionChunks, scratch = ws.reductionScratch
        Parallel.forEach(chunks, parallel: ws.parts > 1) { c in
            let pw = scratch + c * 2 * d, pb = pw + d
            pw.update(repeating: 0, count: 2 * d)
            for r in rows * c / chunks ..< rows * (c + 1) / chunks {
                let g = dOut + r * d, xhat = normalized + r * d
                for j in 0..<d { pw[j] += g[j] * xhat[j]; pb[j] += g[j] }
            }
        }
        dw.update(repeating: 0, count: d); db.update(repeating: 0, count: d)
        for c in 0..<chunks {
            let pw = scratch + c * 2 * d, pb = pw + d
            for j in 0..<d { dw[j] += pw[j]; db[j] += pb[j] }
        }
        let rowScratch = ws.dPatternScratch
        Parallel.forParts(rows, parts: ws.parts) { range, part in
            let xhatScratch = rowScratch + part * ws.scratchStride
            for r in range {
                let g = dOut + r * d, xhat = normalized + r * d, dx = dInput + r * d
                // dxhat = g * w, staged in dx's row when overwriting, else computed twice
                let meanG = VectorMath.dot(g, w, d) / Float(d)
                var meanGX: Float = 0
                for j in 0..<d { xhatScratch[j] = g[j] * w[j] }
                meanGX = VectorMath.dot(xhatScratch, xhat, d) / Float(d)
                let inverse = 1 / scale[r]
                if accumulate {
                    for j in 0..<d { dx[j] += (g[j] * w[j] - meanG - xhat[j] * meanGX) * inverse }
                } else {
                    for j in 0..<d { dx[j] = (g[j] * w[j] - meanG - xhat[j] * meanGX) * inverse }
                }
            }
        }
    }
}
