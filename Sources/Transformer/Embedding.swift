import Tensor

/// Token (+ positional) embedding: `resid[b, t] = W_E[tokens[b, t]] + W_pos[t]`.
enum Embedding {
    static func forward(_ w: ModelWeights, _ ws: Workspace, observer: ActivationObserver?) {
        let d = ws.config.dModel, length = ws.length, out = ws.resid[0]
        let learned = ws.config.positional == .learned
        Parallel.forRanges(ws.rows, parts: ws.parts) { range in
            for r in range {
                (out + r * d).update(from: w.embed + Int(ws.tokens[r]) * d, count: d)
            }
        }
        guard let observer else {
            if learned {
                Parallel.forRanges(ws.rows, parts: ws.parts) { range in
                    for r in range {
                        let row = out + r * d, pos = w.posEmbed + (r % length) * d
                        for j in 0..<d { row[j] += pos[j] }
                    }
                }
            }
            return
        }
        // With an observer, embed and pos_embed are separate hook points, as in TransformerLens.
        observer.visit(.embed, out, shape: [ws.batch, length, d])
        var positions = [Float](repeating: 0, count: ws.rows * d)
        positions.withUnsafeMutableBufferPointer { p in
            for r in 0..<ws.rows { for j in 0..<d { p[r * d + j] = w.posEmbed[(r % length) * d + j] } }
            observer.visit(.posEmbed, p.baseAddress!, shape: [ws.batch, length, d])
            for i in 0..<ws.rows * d { out[i] += p[i] }
        }
    }

    /// Scatters the residual gradient into `dW_E` (rows in order, so repeated tokens add up the
    /// same way every run) and, when learned, `dW_pos`.
    static func backward(_ g: ModelWeights, _ ws: Workspace) {
        let d = ws.config.dModel, c = ws.config, dResid = ws.dResid
        g.embed.update(repeating: 0, count: c.dVocab * d)
        for r in 0..<ws.rows {
            let row = g.embed + Int(ws.tokens[r]) * d, src = dResid + r * d
            for j in 0..<d { row[j] += src[j] }
        }
        g.posEmbed.update(repeating: 0, count: c.nCtx * d)
        if c.positional == .learned {
            for r in 0..<ws.rows {
                let row = g.posEmbed + (r % ws.length) * d, src = dResid + r * d
                for j in 0..<d { row[j] += src[j] }
            }
        }
    }
}
