import Tensor
import Transformer

extension ActivationPatching {
    /// Each block's logit differences (a patch and the sequences it runs on), per sequence, in
    /// block order; the blocks run in parallel, each on one thread, in either engine.
    func patchedDifferences(_ blocks: [(patch: Patch, sequences: [Int])], clean: [HookName: Tensor],
                            corrupted: [HookName: Tensor], threads: Int) throws(AnalysisError) -> [[Float]] {
        switch engine {
        case .suffix:
            let suffix = PatchedSuffix(config: config, weights: try PackedWeights(model), clean: clean, corrupted: corrupted,
                                       inputs: inputs, length: length)
            return try ParallelJobs.map(blocks.count, threads: threads) { job, _ in
                suffix.differences(blocks[job].patch, sequences: blocks[job].sequences)
            }
        case .wholeForward:
            let forwards = pack(blocks.map { (layer: $0.patch.layer, size: $0.sequences.count) })
            let runners = (0..<ParallelJobs.workers(for: forwards.count, threads: threads)).map { _ in
                ForwardRunner(model: model, capacity: capacity, length: length)
            }
            let perForward = try ParallelJobs.map(forwards.count, threads: runners.count) { job, worker throws(AnalysisError) in
                try patchedDifferences(forwards[job].map { blocks[$0] }, clean: clean, corrupted: corrupted, runner: runners[worker])
            }
            var out = [[Float]](repeating: [], count: blocks.count)
            for (forward, results) in zip(forwards, perForward) { for (block, diffs) in zip(forward, results) { out[block] = diffs } }
            return out
        }
    }

    /// One patched forward of several blocks (a patch and the sequences it runs on), all of one
    /// layer: the corrupted tokens of each block's sequences side by side, resumed at that layer
    /// from the corrupted residual stream, the hook copying each block's slice of the clean
    /// activation into its own rows. Returns each block's logit differences, per sequence.
    func patchedDifferences(_ blocks: [(patch: Patch, sequences: [Int])], clean: [HookName: Tensor],
                            corrupted: [HookName: Tensor], runner: ForwardRunner) throws(AnalysisError) -> [[Float]] {
        guard let layer = blocks.first?.patch.layer else { return [] }
        let rows = blocks.flatMap(\.sequences)
        let tokens = batch(inputs.corrupted, sequences: rows)
        var resuming: (layer: Int, residual: Tensor)?
        if layer > 0 {
            let name = HookName.residPost(layer - 1)
            guard let stream = corrupted[name] else { throw .badInput("the corrupted forward has no activation '\(name)'") }
            resuming = (layer, gather(stream, sequences: rows))
        }
        var sources = [HookName: Tensor]()
        for block in blocks {
            let name = block.patch.hook
            guard let activation = clean[name] else { throw .badInput("the clean forward has no activation '\(name)'") }
            sources[name] = activation
        }
        let segments = blocks.map { self.segments($0.patch) }
        let run = runner.run(tokens, resuming: resuming, cache: .none, hooking: Set(sources.keys)) { name, activation in
            guard let source = sources[name] else { return }
            let slab = activation.count / rows.count
            var row = 0
            for (block, parts) in zip(blocks, segments) {
                defer { row += block.sequences.count }
                guard block.patch.hook == name else { continue }
                for (offset, s) in block.sequences.enumerated() {
                    let to = (row + offset) * slab, from = s * slab
                    for (start, count) in parts {
                        for i in start..<(start + count) { activation.scalars[to + i] = source.scalars[from + i] }
                    }
                }
            }
        }
        var out = [[Float]](), first = 0
        for block in blocks {
            out.append(differences(run.logits, sequences: block.sequences, firstRow: first))
            first += block.sequences.count
        }
        return out
    }

    /// Where a patch copies, within one sequence's slab of its hook's activation: (start, count)
    /// runs of floats. Layouts: resid/attn_out/mlp_out `[pos, d_model]`, hook_z
    /// `[pos, head, d_head]`, hook_pattern `[head, query, key]`.
    func segments(_ patch: Patch) -> [(Int, Int)] {
        let c = config, t = length
        let positions = patch.position.map { [$0] } ?? Array(0..<t)
        switch patch.sweep {
        case .residPre, .attnOut, .mlpOut:
            return positions.map { ($0 * c.dModel, c.dModel) }
        case .attnHeadOutAllPos, .attnHeadOutByPos:
            let h = patch.head ?? 0
            return positions.map { (($0 * c.nHeads + h) * c.dHead, c.dHead) }
        case .attnHeadPatternAllPos:
            return [((patch.head ?? 0) * t * t, t * t)]
        }
    }

    /// The rows of `activation` (`[batch, pos, …]`) for these sequences, in this order.
    func gather(_ activation: Tensor, sequences: [Int]) -> Tensor {
        let slab = activation.count / max(activation.shape[0], 1)
        var scalars = [Float]()
        scalars.reserveCapacity(sequences.count * slab)
        for s in sequences { scalars += activation.scalars[(s * slab)..<((s + 1) * slab)] }
        return Tensor(shape: [sequences.count] + activation.shape.dropFirst(), scalars: scalars)
    }
}
