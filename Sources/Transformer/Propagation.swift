/// The whole network's forward and backward, layer by layer, over a `Workspace`.
enum Propagation {
    /// From layer `first` on (0: from the tokens); for `first` > 0, the residual stream entering
    /// it must already be in `ws.resid[2 * first]`.
    static func forward(_ w: ModelWeights, _ ws: Workspace, observer: ActivationObserver?, fromLayer first: Int = 0) {
        let c = ws.config, n = ws.rows, d = c.dModel
        let shape = [ws.batch, ws.length, d]
        if first == 0 { Embedding.forward(w, ws, observer: observer) }
        for l in first..<c.nLayers {
            let buffers = ws.layers[l], weights = w.layers[l]
            let pre = ws.resid[2 * l], mid = ws.resid[2 * l + 1], post = ws.resid[2 * l + 2]
            observer?.visit(.residPre(l), pre, shape: shape)
            LayerNorm.forward(input: pre, w: weights.ln1w, b: weights.ln1b, buffers.ln1, ws,
                              site: .ln1(l), observer: observer)
            Attention.forward(weights, buffers, ws, layer: l, observer: observer)
            observer?.visit(.attnOut(l), buffers.attnOut, shape: shape)
            Kernels.add(pre, buffers.attnOut, into: mid, count: n * d, parts: ws.parts)
            if c.hasMLP, let ln2 = buffers.ln2, let mlpOut = buffers.mlpOut {
                observer?.visit(.residMid(l), mid, shape: shape)
                LayerNorm.forward(input: mid, w: weights.ln2w, b: weights.ln2b, ln2, ws,
                                  site: .ln2(l), observer: observer)
                MLP.forward(weights, buffers, ws, layer: l, observer: observer)
                observer?.visit(.mlpOut(l), mlpOut, shape: shape)
                Kernels.add(mid, mlpOut, into: post, count: n * d, parts: ws.parts)
            } else {
                post.update(from: mid, count: n * d)
            }
            observer?.visit(.residPost(l), post, shape: shape)
        }
        LayerNorm.forward(input: ws.resid[2 * c.nLayers], w: w.lnFinalW, b: w.lnFinalB, ws.lnFinal, ws,
                          site: .final, observer: observer)
        Unembed.forward(w, ws)
    }

    /// Expects the loss gradient in `ws.logits`; writes every parameter's gradient into `g`.
    static func backward(_ w: ModelWeights, _ g: ModelWeights, _ ws: Workspace) {
        precondition(ws.hasGradients, "backward on a workspace built without gradient buffers")
        let c = ws.config
        Unembed.backward(w, g, ws)
        for l in stride(from: c.nLayers - 1, through: 0, by: -1) {
            MLP.backward(w.layers[l], g.layers[l], ws.layers[l], ws)
            Attention.backward(w.layers[l], g.layers[l], ws.layers[l], ws)
        }
        Embedding.backward(g, ws)
    }
}
