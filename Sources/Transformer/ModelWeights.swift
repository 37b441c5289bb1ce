/// Pointers to each parameter (`WeightName`) inside a flat parameter (or gradient) buffer, so layers read
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
        func p(_ name: WeightName) -> UnsafeMutablePointer<Float> {
            let offset = layout.offset(name)
            return base + max(offset, 0)
        }
        embed = p(.embed); posEmbed = p(.posEmbed)
        lnFinalW = p(.lnFinalW); lnFinalB = p(.lnFinalB)
        unembed = p(.unembed); unembedBias = p(.unembedBias)
        layers = (0..<config.nLayers).map { l in
            func b(_ part: WeightName.Block) -> UnsafeMutablePointer<Float> { p(.block(l, part)) }
            return Layer(ln1w: b(.ln1W), ln1b: b(.ln1B),
                         wq: b(.wQ), wk: b(.wK), wv: b(.wV), wo: b(.wO),
                         bq: b(.bQ), bk: b(.bK), bv: b(.bV), bo: b(.bO),
                         ln2w: b(.ln2W), ln2b: b(.ln2B),
                         win: b(.wIn), bin: b(.bIn),
                         wout: b(.wOut), bout: b(.bOut))
        }
    }
}
