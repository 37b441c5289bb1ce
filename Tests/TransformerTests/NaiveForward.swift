import Foundation
import Tensor
import Transformer

/// An independent, loop-based forward in Double (no BLAS, no packing, no workspace), written
/// straight from TransformerLens's equations, to check the fast forward against.
func naiveLogits(_ model: Model, tokens: [Int32], batch: Int, length: Int) -> [Double] {
    let c = model.config
    let (d, h, e, v) = (c.dModel, c.nHeads, c.dHead, c.dVocab)
    // By the state dict's text names, as TransformerLens reads them, independently of `WeightName`'s cases.
    let named = Dictionary(uniqueKeysWithValues: model.parameters.tensors.map { ($0.key.name, $0.value) })
    func p(_ name: String) -> [Double] { named[name]!.scalars.map(Double.init) }
    func layerNorm(_ x: [Double], _ prefix: String) -> [Double] {
        guard c.hasLayerNorm else { return x }
        let w = p(prefix + ".w"), b = p(prefix + ".b")
        let mean = x.reduce(0, +) / Double(d)
        let variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d)
        let scale = (variance + Double(c.eps)).squareRoot()
        return (0..<d).map { (x[$0] - mean) / scale * w[$0] + b[$0] }
    }
    var out: [Double] = []
    let wE = p("embed.W_E"), wPos = p("pos_embed.W_pos")
    for bi in 0..<batch {
        var resid = (0..<length).map { t in (0..<d).map { wE[Int(tokens[bi * length + t]) * d + $0] + wPos[t * d + $0] } }
        for l in 0..<c.nLayers {
            let pre = "blocks.\(l)."
            let wq = p(pre + "attn.W_Q"), wk = p(pre + "attn.W_K"), wv = p(pre + "attn.W_V"), wo = p(pre + "attn.W_O")
            let bq = p(pre + "attn.b_Q"), bk = p(pre + "attn.b_K"), bv = p(pre + "attn.b_V"), bo = p(pre + "attn.b_O")
            let x = resid.map { layerNorm($0, pre + "ln1") }
            func project(_ w: [Double], _ b: [Double], _ t: Int, _ head: Int) -> [Double] {
                (0..<e).map { f in b[head * e + f] + (0..<d).reduce(0.0) { $0 + x[t][$1] * w[(head * d + $1) * e + f] } }
            }
            var attnOut = (0..<length).map { _ in bo }
            for head in 0..<h {
                let q = (0..<length).map { project(wq, bq, $0, head) }
                let k = (0..<length).map { project(wk, bk, $0, head) }
                let val = (0..<length).map { project(wv, bv, $0, head) }
                for i in 0..<length {
                    let scores = (0...i).map { j in (0..<e).reduce(0.0) { $0 + q[i][$1] * k[j][$1] } / Double(e).squareRoot() }
                    let m = scores.max()!
                    let exps = scores.map { exp($0 - m) }
                    let total = exps.reduce(0, +)
                    let z = (0..<e).map { f in (0...i).reduce(0.0) { $0 + exps[$1] / total * val[$1][f] } }
                    for j in 0..<d { attnOut[i][j] += (0..<e).reduce(0.0) { $0 + z[$1] * wo[(head * e + $1) * d + j] } }
                }
            }
            for t in 0..<length { for j in 0..<d { resid[t][j] += attnOut[t][j] } }
            if let m = c.dMLP {
                let win = p(pre + "mlp.W_in"), bin = p(pre + "mlp.b_in"), wout = p(pre + "mlp.W_out"), bout = p(pre + "mlp.b_out")
                for t in 0..<length {
                    let y = layerNorm(resid[t], pre + "ln2")
                    let hidden = (0..<m).map { k -> Double in
                        let a = bin[k] + (0..<d).reduce(0.0) { $0 + y[$1] * win[$1 * m + k] }
                        return c.actFn == .relu ? max(a, 0) : 0.5 * a * (1 + erf(a / 2.0.squareRoot()))
                    }
                    for j in 0..<d { resid[t][j] += bout[j] + (0..<m).reduce(0.0) { $0 + hidden[$1] * wout[$1 * d + j] } }
                }
            }
        }
        let wU = p("unembed.W_U"), bU = p("unembed.b_U")
        for t in 0..<length {
            let y = layerNorm(resid[t], "ln_final")
            for k in 0..<v { out.append(bU[k] + (0..<d).reduce(0.0) { $0 + y[$1] * wU[$1 * v + k] }) }
        }
    }
    return out
}

/// A small config for tests: every code path, seconds to run.
func tinyConfig(heads: Int = 2, mlp: Int? = 12, act: ModelConfig.ActivationFunction = .relu,
                normalization: ModelConfig.Normalization = .layerNorm,
                positional: ModelConfig.Positional = .none) -> ModelConfig {
    ModelConfig(nLayers: 2, dModel: 8, nHeads: heads, dHead: 4, dMLP: mlp, actFn: act, dVocab: 11, nCtx: 6,
                normalization: normalization, positional: positional)
}

/// A model whose biases and LayerNorm parameters are random too, so their paths are exercised.
func randomizedModel(_ config: ModelConfig, seed: UInt64) -> Model {
    var model = Model(config: config, seed: seed)
    var generator = RandomGenerator(seed: seed, stream: 99)
    for entry in model.parameters.layout.entries where entry.trainable {
        let last = entry.name.name.split(separator: ".").last!
        if last.hasPrefix("b") || last == "b" || last == "w" {
            for i in entry.offset..<entry.offset + entry.count {
                model.parameters.storage[i] += generator.nextNormal(mean: 0, std: 0.3)
            }
        }
    }
    return model
}

func batch(_ config: ModelConfig, size: Int, seed: UInt64) -> TokenBatch {
    var generator = RandomGenerator(seed: seed, stream: 5)
    return PreviousTokenTask().makeBatch(batch: size, length: config.nCtx, vocabulary: config.dVocab, generator: &generator)
}
