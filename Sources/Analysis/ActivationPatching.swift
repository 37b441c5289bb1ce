import Tensor
import Transformer

/// Activation patching, as TransformerLens's `transformer_lens.patching` computes it: run the
/// clean and the corrupted tokens once each, then for every patch run the corrupted tokens with
/// one activation (a layer's output at a position, a head's output, a head's pattern) copied from
/// the clean run, and measure the metric (`PatchingInputs`).
///
/// What makes it fast:
/// - the model is causal and the metric reads only each sequence's answer position, so the
///   forwards stop at the last answer position, a patch at position p runs only the sequences
///   whose answer is at p or later (the others keep their corrupted logit difference), and a
///   patch past every answer is the corrupted metric;
/// - a patch changes nothing before its layer, nor before its position: `PatchedSuffix` runs
///   each patch from its layer on, on the positions from the patch to each answer only, with the
///   corrupted run's keys and values for the positions before (about five times less work on
///   the study's sweeps than the whole forward, which stays as `Engine.wholeForward`, resumed at
///   the patched layer as the mean ablations are, to test the fast path against);
/// - patches run in parallel, each on one thread with fixed-order sums, so the results are the
///   same at any thread count.
public struct ActivationPatching {
    public let model: Model
    public let inputs: PatchingInputs
    /// The positions the forwards run on: up to the last answer position.
    public let length: Int
    /// Sequences per patched forward (whole blocks of a patch's sequences).
    public let capacity: Int
    /// How each patch runs.
    public var engine = Engine.suffix

    public enum Engine: Sendable {
        /// Only the rows a patch can change, from its layer on (`PatchedSuffix`): the fast path.
        case suffix
        /// The whole forward of every patched sequence through `ForwardRunner`, resumed at the
        /// patched layer: the model's own forward, kept as the reference the fast path is
        /// tested against.
        case wholeForward
    }

    /// `rowsPerForward` sets how many (sequence, position) rows a patched forward takes; a
    /// patch's sequences are never split, so a forward holds at least one whole batch.
    public init(model: Model, inputs: PatchingInputs, rowsPerForward: Int = 8192) {
        self.model = model
        self.inputs = inputs
        length = (inputs.answers.map(\.position).max() ?? 0) + 1
        capacity = max(inputs.batch, rowsPerForward / length)
    }

    var config: ModelConfig { model.config }

    /// Bytes the sweeps need at most, estimated before anything is allocated: the parameters,
    /// one workspace per thread and the clean and corrupted activations kept for the patches.
    public static func requiredBytes(model: ModelConfig, batch: Int, length: Int, threads: Int, rowsPerForward: Int = 8192) -> Double {
        let capacity = Double(max(batch, rowsPerForward / max(length, 1)))
        let perRow = MemoryBudget.forwardFloatsPerRow(model) * 4
        let kept = Double(batch) * Double(length) * perRow * 2
        return MemoryBudget.parameterBytes(model) * Double(threads + 1) + capacity * Double(length) * perRow * Double(threads) + kept
    }

    /// The results of the sweeps asked for, in that order.
    public func run(_ sweeps: [PatchingSweep], threads: Int) throws(AnalysisError) -> PatchingResults {
        let c = config
        for sweep in sweeps where sweep == .mlpOut && !c.hasMLP { throw .badInput("the model has no MLP, so there is no mlp_out to patch") }
        let bytes = Self.requiredBytes(model: c, batch: inputs.batch, length: length, threads: threads)
        do {
            try MemoryBudget.require(bytes, for: "patching (\(inputs.batch) sequences × \(length) positions, d_model \(c.dModel))",
                                     advice: "use fewer sequences")
        } catch { throw .badInput("\(error)") }

        let runner = ForwardRunner(model: model, capacity: max(inputs.batch, 1), length: length)
        var patched = Set<HookName>()
        for sweep in sweeps { for l in 0..<c.nLayers { patched.insert(sweep.hook(l)) } }
        var kept = Set((1..<max(c.nLayers, 1)).map { HookName.residPost($0 - 1) })
        if engine == .suffix {
            for l in 0..<c.nLayers { kept.formUnion([.residPre(l), .attention(l, .k), .attention(l, .v)]) }
        }
        let clean = runner.run(batch(inputs.clean), cache: .hooks(patched))
        let corrupted = runner.run(batch(inputs.corrupted), cache: .hooks(kept))
        let cleanDiffs = differences(clean.logits, sequences: Array(0..<inputs.batch))
        let corruptedDiffs = differences(corrupted.logits, sequences: Array(0..<inputs.batch))

        let patches = sweeps.flatMap { $0.patches(layers: c.nLayers, length: inputs.length, heads: c.nHeads) }
        let blocks = patches.indices.map { i in (patch: i, sequences: affected(patches[i])) }.filter { !$0.sequences.isEmpty }
        let perBlock = try patchedDifferences(blocks.map { (patches[$0.patch], $0.sequences) }, clean: clean.cache,
                                              corrupted: corrupted.cache, threads: threads)
        // Each patch's metric: its sequences' patched differences, the others' corrupted ones.
        var metrics = [Float](repeating: Self.mean(corruptedDiffs), count: patches.count)
        for (block, diffs) in zip(blocks, perBlock) {
            var perSequence = corruptedDiffs
            for (s, diff) in zip(block.sequences, diffs) { perSequence[s] = diff }
            metrics[block.patch] = Self.mean(perSequence)
        }
        var results = [(PatchingSweep, Tensor)](), start = 0
        for sweep in sweeps {
            let shape = sweep.shape(layers: c.nLayers, length: inputs.length, heads: c.nHeads)
            let count = shape.reduce(1, *)
            results.append((sweep, Tensor(shape: shape, scalars: Array(metrics[start..<(start + count)]))))
            start += count
        }
        return PatchingResults(clean: Self.mean(cleanDiffs), corrupted: Self.mean(corruptedDiffs), sweeps: results)
    }

    /// The sequences whose answer a patch can change: those answering at its position or later.
    func affected(_ patch: Patch) -> [Int] {
        guard let p = patch.position else { return Array(0..<inputs.batch) }
        return inputs.answers.indices.filter { inputs.answers[$0].position >= p }
    }

    /// Blocks grouped into forwards: same layer (the forward resumes there), in order, up to
    /// `capacity` sequences each. Fixed by the inputs alone, never by the thread count.
    func pack(_ blocks: [(layer: Int, size: Int)]) -> [[Int]] {
        var forwards = [[Int]]()
        for layer in 0..<config.nLayers {
            var current = [Int](), size = 0
            for i in blocks.indices where blocks[i].layer == layer {
                if size + blocks[i].size > capacity, !current.isEmpty { forwards.append(current); current = []; size = 0 }
                current.append(i)
                size += blocks[i].size
            }
            if !current.isEmpty { forwards.append(current) }
        }
        return forwards
    }

    /// A batch of the first `length` positions of `tokens`, no targets.
    func batch(_ tokens: [Int32], sequences: [Int]? = nil) -> TokenBatch {
        let rows = sequences ?? Array(0..<inputs.batch)
        var out = [Int32]()
        out.reserveCapacity(rows.count * length)
        for s in rows { out += tokens[(s * inputs.length)..<(s * inputs.length + length)] }
        return TokenBatch(tokens: out, batch: rows.count, length: length)
    }

    /// `logit[correct] − logit[wrong]` at the answer position of each row's sequence.
    func differences(_ logits: Tensor, sequences: [Int], firstRow: Int = 0) -> [Float] {
        let v = config.dVocab
        return sequences.enumerated().map { offset, s in
            let a = inputs.answers[s], row = ((firstRow + offset) * length + a.position) * v
            return logits.scalars[row + a.correct] - logits.scalars[row + a.wrong]
        }
    }

    /// The mean in a fixed order, in double.
    static func mean(_ values: [Float]) -> Float {
        var total = 0.0
        for x in values { total += Double(x) }
        return Float(total / Double(max(values.count, 1)))
    }
}

/// What `ActivationPatching.run` measured: the metric on the clean and the corrupted run, and
/// each sweep's metric after each patch, in TransformerLens's shapes.
public struct PatchingResults: Sendable {
    public var clean: Float
    public var corrupted: Float
    public var sweeps: [(sweep: PatchingSweep, raw: Tensor)]

    /// Whether (x − corrupted) / (clean − corrupted) is defined.
    public var normalizable: Bool { clean != corrupted && clean.isFinite && corrupted.isFinite }

    /// `raw` scaled so that 0 is the corrupted metric and 1 the clean one; nil when undefined.
    public func normalized(_ raw: Tensor) -> Tensor? {
        guard normalizable else { return nil }
        let (c, x) = (Double(clean), Double(corrupted))
        return Tensor(shape: raw.shape, scalars: raw.scalars.map { Float((Double($0) - x) / (c - x)) })
    }
}
