import Tensor
import Transformer

/// The evaluation batch's forward, run a runner's capacity of sequences at a time, keeping whole
/// only the activations the analyses read row by row and, of the rest, only what they need:
/// the mean over sequences, and for MLP activations how often each neuron fires.
///
/// One forward of the whole batch kept a copy of every activation the analyses read: about
/// 5 GB at 512 sequences of a 4-layer, d_model 256 model, and first touches of fresh memory are
/// slow (they were a third of that model's report). In chunks, the runner's buffers are reused.
///
/// The bits are those of one forward: every kernel computes a row from its own sequence alone,
/// whatever else is in the batch; the means add the rows in sequence order in `Double`, as
/// `Tensor.meanOverFirstAxis` does; and the loss adds the rows in order as `Model.run` does.
struct EvaluationForward {
    /// The mean loss over the masked-in positions, as `Model.ForwardResult.loss`.
    let loss: Float
    /// `[batch, pos]`
    let lossPerPosition: Tensor
    /// The `kept` activations, whole: `[batch, ...]`.
    let activations: [HookName: Tensor]
    /// The `averaged` activations' means over the batch: `[...]`.
    let means: [HookName: Tensor]
    /// For each `counted` activation, the fraction of sequences in which each element is > 0
    /// (`[...]`, as `meanOverFirstAxis` of a 0/1 tensor), and that fraction over all elements.
    let firing: [HookName: (fraction: Tensor, overall: Double)]

    init(runner: ForwardRunner, batch: TokenBatch, kept: Set<HookName>, averaged: Set<HookName>, counted: Set<HookName>) {
        let length = batch.length, chunk = max(1, runner.capacity)
        var whole = [HookName: (shape: [Int], scalars: [Float])]()
        var totals = [HookName: [Double]](), positives = [HookName: [Double]]()
        var lossPerPosition = [Float]()
        lossPerPosition.reserveCapacity(batch.batch * length)
        var innerShapes = [HookName: [Int]]()
        for first in stride(from: 0, to: batch.batch, by: chunk) {
            let count = min(chunk, batch.batch - first), rows = (first * length)..<((first + count) * length)
            let part = TokenBatch(batch: count, length: length, tokens: Array(batch.tokens[rows]),
                                  targets: Array(batch.targets[rows]), lossMask: Array(batch.lossMask[rows]))
            let run = runner.run(part, cache: .hooks(kept), hooking: averaged.union(counted)) { name, activation in
                let size = activation.count / count
                innerShapes[name] = Array(activation.shape.dropFirst())
                activation.scalars.withUnsafeBufferPointer { x in
                    if averaged.contains(name) {
                        totals[name, default: [Double](repeating: 0, count: size)].withUnsafeMutableBufferPointer { t in
                            for n in 0..<count { for j in 0..<size { t[j] += Double(x[n * size + j]) } }
                        }
                    }
                    if counted.contains(name) {
                        positives[name, default: [Double](repeating: 0, count: size)].withUnsafeMutableBufferPointer { t in
                            for n in 0..<count { for j in 0..<size { t[j] += x[n * size + j] > 0 ? 1 : 0 } }
                        }
                    }
                }
            }
            for (name, tensor) in run.cache {
                if whole[name] == nil {
                    whole[name] = ([batch.batch] + tensor.shape.dropFirst(), [])
                    whole[name]!.scalars.reserveCapacity(batch.batch * tensor.count / count)
                }
                whole[name]!.scalars += tensor.scalars
            }
            lossPerPosition += run.lossPerPosition.scalars
        }
        activations = whole.mapValues { Tensor(shape: $0.shape, scalars: $0.scalars) }
        let scale = 1.0 / Double(batch.batch)
        means = totals.reduce(into: [:]) { result, entry in
            result[entry.key] = Tensor(shape: innerShapes[entry.key]!, scalars: entry.value.map { Float($0 * scale) })
        }
        firing = positives.reduce(into: [:]) { result, entry in
            let fraction = Tensor(shape: innerShapes[entry.key]!, scalars: entry.value.map { Float($0 * scale) })
            // Counts of whole numbers add exactly in any order: the same as `mean()` of the 0/1 tensor.
            result[entry.key] = (fraction, entry.value.reduce(0, +) / Double(batch.batch * entry.value.count))
        }
        self.lossPerPosition = Tensor(shape: [batch.batch, length], scalars: lossPerPosition)
        loss = Loss.maskedMean(lossPerPosition, mask: batch.lossMask, maskTotal: Loss.maskTotal(batch.lossMask))
    }
}
