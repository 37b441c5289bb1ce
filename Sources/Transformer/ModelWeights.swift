/// Pointers to each named tensor inside a flat parameter (or gradient) buffer, so layers read
/// `w.layers[l].wq` instead of offsets. Parameters a config lacks point at the buffer's start
/// and are never touched.
struct ModelWeights {
    struct Layer {
        var ln1w, ln1b, wq, wk, wv, wo, bq, bk, bv, bo: UnsafeMutablePointer<Float>
        var ln2w, ln2b, win, bin, wout, bout: UnsafeMutablePointer<Float>
    }
    var embed, posEmbed, lnFinalW, lnFinalB, unembed, unembedBias: UnsafeMutablePointer<Float>
    var layers: [Layer]

    init(base: UnsafeMutablePointer<Float>, layout: ParameterLayout, config: ModelConfig) {
        func p(_ name: String) -> UnsafeMutablePointer<Float> {
            let offset = layout.offset(name)
            return base + max(offset, 0)
        }
        embed = p("embed.W_E"); posEmbed = p("pos_embed.W_pos")
        lnFinalW = p("ln_final.w"); lnFinalB = p("ln_final.b")
        unembed = p("unembed.W_U"); unembedBias = p("unembed.b_U")
        layers = (0..<config.nLayers).map { l in
            let b = "blocks.\(l)."
            return Layer(ln1w: p(b + "ln1.w"), ln1b: p(b + "ln1.b"),
                         wq: p(b + "attn.W_Q"), wk: p(b + "attn.W_K"), wv: p(b + "attn.W_V"), wo: p(b + "attn.W_O"),
                         bq: p(b + "attn.b_Q"), bk: p(b + "attn.b_K"), bv: p(b + "attn.b_V"), bo: p(b + "attn.b_O"),
                         ln2w: p(b + "ln2.w"), ln2b: p(b + "ln2.b"),
                         win: p(b + "mlp.W_in"), bin: p(b + "mlp.b_in"),
                         wout: p(b + "mlp.W_out"), bout: p(b + "mlp.b_out"))
        }
    }
}
