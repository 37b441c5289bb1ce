import Tensor
import Transformer

/// Mean ablations: the loss with each activation, and with layer 0's attention output at each
/// position, replaced by its mean over the evaluation batch.
///
/// The first `sequences` of the evaluation batch are tiled into blocks: one intact (the
/// baseline), one per ablated activation and one per position of `blocks.0.hook_attn_out`. A
/// few blocks go through each forward, where the hook rewrites only each block's own rows.
/// A block changes nothing before its activation's layer, so blocks are grouped by that layer
/// and each forward resumes there from the evaluation forward's residual stream, which holds
/// the same bits (the intact block and `ln_final`'s run only `ln_final` and the unembedding).
struct MeanAblations {
    enum Block: Equatable {
        case intact
        case activation(HookName)
        case position(Int)
    }

    let config: ModelConfig
    let sequences: Int
    let blocks: [Block]
    /// The forwards: the layer each resumes at and the blocks it runs, in that order.
    let forwards: [(layer: Int, blocks: [Int])]
    /// Sequences per forward.
    let capacity: Int

    init(config: ModelConfig, activations: [HookName], sequences: Int, sequencesPerForward: Int) {
        self.config = config
        self.sequences = sequences
        blocks = [.intact] + activations.map(Block.activation) + (0..<config.nCtx).map(Block.position)
        let perForward = min(blocks.count, max(1, sequencesPerForward / max(1, sequences)))
        capacity = perForward * sequences
        let layers = blocks.map { block -> Int in
            switch block {
            case .intact: config.nLayers
            case .activation(let hook): hook.firstLayer(nLayers: config.nLayers)
            case .position: 0
            }
        }
        var forwards = [(layer: Int, blocks: [Int])]()
        for layer in 0...config.nLayers {
            let members = blocks.indices.filter { layers[$0] == layer }
            for first in stride(from: 0, to: members.count, by: perForward) {
                forwards.append((layer, Array(members[first..<min(first + perForward, members.count)])))
            }
        }
        self.forwards = forwards
    }

    /// Each block's mean loss over its masked-in positions, in `blocks` order. `means` holds the
    /// ablated activations' means over the evaluation batch; `streams` the evaluation forward's
    /// residual streams, whole.
    func losses(of evalBatch: TokenBatch, means: [HookName: Tensor], streams: [HookName: Tensor],
                runners: [ForwardRunner]) throws(AnalysisError) -> [Double] {
        let length = evalBatch.length, d = config.dModel, rows = sequences * length
        let attnOut = HookName.attnOut(0)
        for case .activation(let name) in blocks where means[name] == nil { throw .badInput("no mean of '\(name)' to ablate with") }
        guard let attnOutMean = means[attnOut] else { throw .badInput("no mean of '\(attnOut)' to ablate with") }
        // The residual entering each layer ≥ 1, for the ablation sequences.
        var entering = [Int: ArraySlice<Float>]()
        for layer in Set(forwards.map(\.layer)) where layer > 0 {
            let name = HookName.residPost(layer - 1)
            guard let stream = streams[name] else { throw .badInput("the forward has no activation '\(name)'") }
            entering[layer] = stream.scalars.prefix(rows * d)
        }
        let perForward = try ParallelJobs.map(forwards.count, threads: runners.count) { index, worker in
            let (layer, members) = forwards[index]
            let count = members.count
            func tiled<Element>(_ values: ArraySlice<Element>) -> [Element] { Array(repeating: values, count: count).flatMap { $0 } }
            let batch = TokenBatch(batch: count * sequences, length: length, tokens: tiled(evalBatch.tokens.prefix(rows)),
                                   targets: tiled(evalBatch.targets.prefix(rows)), lossMask: tiled(evalBatch.lossMask.prefix(rows)))
            // Only the activations this forward's blocks ablate are copied out to the hook.
            var hooked = Set<HookName>()
            for block in members {
                switch blocks[block] {
                case .intact: break
                case .activation(let name): hooked.insert(name)
                case .position: hooked.insert(attnOut)
                }
            }
            let resuming = entering[layer].map { (layer: layer, residual: Tensor(shape: [count * sequences, length, d], scalars: tiled($0))) }
            let run = runners[worker].run(batch, resuming: resuming, cache: .none, hooking: hooked) { hook, activation in
                let perSequence = activation.count / (count * sequences)
                for (slot, block) in members.enumerated() {
                    switch blocks[block] {
                    case .activation(let name) where name == hook:
                        let mean = means[name]!, start = slot * sequences * perSequence
                        for i in 0..<(sequences * perSequence) { activation.scalars[start + i] = mean.scalars[i % mean.count] }
                    case .position(let position) where hook == attnOut:
                        for s in 0..<sequences {
                            let row = (slot * sequences + s) * length + position
                            for j in 0..<d { activation.scalars[row * d + j] = attnOutMean.scalars[position * d + j] }
                        }
                    default: break
                    }
                }
            }
            // Mean loss of each block over its masked-in positions.
            return (0..<count).map { slot -> Double in
                var total = 0.0, weight = 0.0
                for i in (slot * rows)..<((slot + 1) * rows) where batch.lossMask[i] > 0 {
                    total += Double(run.lossPerPosition.scalars[i]) * Double(batch.lossMask[i])
                    weight += Double(batch.lossMask[i])
                }
                return weight > 0 ? total / weight : 0
            }
        }
        var losses = [Double](repeating: 0, count: blocks.count)
        for (forward, values) in zip(forwards, perForward) {
            for (block, loss) in zip(forward.blocks, values) { losses[block] = loss }
        }
        return losses
    }
}
