/// Graph algorithms over expanded stages: ordering, cycles, target selection.
extension PipelineExpander {
    /// Kahn's algorithm, taking ready stages in declaration order so the order is stable.
    /// On a cycle, reports the cycle's path at the first stage's declaration.
    static func topologicalOrder(_ stages: [Stage]) throws(PipelineError) -> [Int] {
        var remaining = stages.map { $0.dependencies.count }
        var dependents = [[Int]](repeating: [], count: stages.count)
        for (i, stage) in stages.enumerated() { for d in stage.dependencies { dependents[d].append(i) } }
        var ready = Heap()
        for i in stages.indices where remaining[i] == 0 { ready.push(i) }
        var order = [Int]()
        order.reserveCapacity(stages.count)
        while let i = ready.pop() {
            order.append(i)
            for j in dependents[i] {
                remaining[j] -= 1
                if remaining[j] == 0 { ready.push(j) }
            }
        }
        if order.count == stages.count { return order }
        let cycle = findCycle(stages, among: Set(stages.indices.filter { remaining[$0] > 0 }))
        let names = cycle.map { stages[$0].name }
        throw PipelineError(.cycle, at: stages[cycle[0]].location, "the stages form a cycle: \((names + [names[0]]).joined(separator: " -> "))",
                            hint: "a stage cannot depend, even indirectly, on its own outputs")
    }

    private static func findCycle(_ stages: [Stage], among nodes: Set<Int>) -> [Int] {
        // Walk dependencies from any node still blocked until a node repeats.
        var path = [Int]()
        var seenAt = [Int: Int]()
        var current = nodes.min()!
        while seenAt[current] == nil {
            seenAt[current] = path.count
            path.append(current)
            current = stages[current].dependencies.first { nodes.contains($0) }!
        }
        // Dependencies point backwards; reverse to read in data-flow order, from the first declared.
        let cycle = Array(path[seenAt[current]!...].reversed())
        let start = cycle.firstIndex(of: cycle.min()!)!
        return Array(cycle[start...] + cycle[..<start])
    }

    /// A min-heap of indices (ready stages in declaration order).
    struct Heap {
        var items = [Int]()
        mutating func push(_ x: Int) {
            items.append(x)
            var i = items.count - 1
            while i > 0, items[(i - 1) / 2] > items[i] { items.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
        }
        /// The next index `pop` would return.
        var first: Int? { items.first }
        mutating func pop() -> Int? {
            guard let top = items.first else { return nil }
            let last = items.removeLast()
            if !items.isEmpty {
                items[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var m = i
                    if l < items.count, items[l] < items[m] { m = l }
                    if r < items.count, items[r] < items[m] { m = r }
                    if m == i { break }
                    items.swapAt(i, m); i = m
                }
            }
            return top
        }
    }
}

extension Pipeline {
    /// Every exact string `selection(for:)` accepts: expanded names, base names, output paths.
    var targetNames: Set<String> {
        var names = Set<String>()
        for stage in stages {
            names.insert(stage.name)
            names.insert(stage.baseName)
            for output in stage.outputs { names.insert(output.path) }
        }
        return names
    }

    /// The stages needed for `targets` (names, base names or output paths) and everything they
    /// depend on, as sorted indices; all stages when `targets` is empty.
    public func selection(for targets: [String]) throws(PipelineError) -> [Int] {
        if targets.isEmpty { return Array(stages.indices) }
        var selected = Set<Int>()
        var stack = try named(by: targets)
        while let i = stack.popLast() {
            if selected.insert(i).inserted { stack += stages[i].dependencies }
        }
        return selected.sorted()
    }

    /// The stages `make --force TARGETS` reruns: those the targets name (every stage when there
    /// are none), or with `upstream` everything they depend on too.
    public func forced(by targets: [String], upstream: Bool) throws(PipelineError) -> Set<Int> {
        if targets.isEmpty { return Set(stages.indices) }
        return Set(upstream ? try selection(for: targets) : try named(by: targets))
    }

    /// The stages the targets name themselves: stage names, base names, or output paths.
    func named(by targets: [String]) throws(PipelineError) -> [Int] {
        var wanted = [Int]()
        for target in targets {
            var trimmed = target
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            if let i = index[target] { wanted.append(i); continue }
            let byBase = stages.indices.filter { stages[$0].baseName == target }
            if !byBase.isEmpty { wanted += byBase; continue }
            if let i = producers[trimmed] ?? producers[trimmed.hasPrefix("./") ? String(trimmed.dropFirst(2)) : trimmed] { wanted.append(i); continue }
            let similar = stages.map(\.baseName).filter { $0.hasPrefix(String(target.prefix(2))) }
            throw PipelineError(.unknownTarget, at: nil, "no stage or output named '\(target)' in pipeline '\(name)'",
                                hint: similar.isEmpty ? "see `rederive dag \(name)` for the stages" : "did you mean: \(Array(Set(similar)).sorted().joined(separator: ", "))?")
        }
        return wanted
    }
}
