import CKernels
import Tensor

/// TransformerLens's LayerNorm: `x - mean`, divided by `scale = sqrt(biased var + eps)`
/// (hook_scale), times `w` plus `b` (hook_normalized). With normalization "none" it is the
/// identity and its buffers alias the input.
enum LayerNorm {
    static func forward(input x: UnsafeMutablePointer<Float>, w: UnsafePointer<Float>, b: UnsafePointer<Float>,
                        _ buffers: Workspace.Norm, _ ws: Workspace, site: HookName.LayerNormSite, observer: ActivationObserver?) {
        guard ws.config.hasLayerNorm else { return }
        let d = ws.config.dModel, eps = ws.config.eps
        let mean = buffers.mean, scale = buffers.scale, normalized = buffers.normalized, out = buffers.out
        guard let observer else {
            Parallel.forRanges(ws.rows, parts: ws.parts) { range in
                let first = range.lowerBound
                rd_layer_norm_forward(x + first * d, w, b, range.count, d, eps, mean + first, scale + first,
                                      normalized + first * d, out + first * d)
            }
            return
        }
        Parallel.forRanges(ws.rows, parts: ws.parts) { range in
            let first = range.lowerBound
            rd_layer_norm_statistics(x + first * d, range.count, d, eps, mean + first, scale + first)
        }
        observer.visit(.layerNorm(site, .scale), scale, shape: [ws.batch, ws.length, 1])
        Parallel.forRanges(ws.rows, parts: ws.parts) { range in
            let first = range.lowerBound
            rd_layer_norm_apply(x + first * d, w, b, range.count, d, mean + first, scale + first,
                                normalized + first * d, out + first * d)
        }
        observer.visit(.layerNorm(site, .normalized), out, shape: [ws.batch, ws.length, d])
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
            let first = rows * c / chunks, end = rows * (c + 1) / chunks
            rd_layer_norm_parameter_sums(dOut + first * d, normalized + first * d, end - first, d, pw, pb)
        }
        dw.update(repeating: 0, count: d); db.update(repeating: 0, count: d)
        for c in 0..<chunks {
            let pw = scratch + c * 2 * d, pb = pw + d
            for j in 0..<d { dw[j] += pw[j]; db[j] += pb[j] }
        }
        let rowScratch = ws.dPatternScratch
        Parallel.forParts(rows, parts: ws.parts) { range, part in
            let first = range.lowerBound
            rd_layer_norm_backward(dOut + first * d, normalized + first * d, scale + first, w, range.count, d,
                                   accumulate ? 1 : 0, rowScratch + part * ws.scratchStride, dInput + first * d)
        }
    }
}
