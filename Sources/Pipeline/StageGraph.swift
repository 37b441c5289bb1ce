import Spelling
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
            throw unknownTarget(target)
        }
        return wanted
    }

    /// Why `target` names nothing, with the nearest name: a misspelt stage gets "did you mean",
    /// and an expansion that does not exist says which matrix value is not among the stage's
    /// (`seed 9 is not among seeds [0, 1, 2]`).
    func unknownTarget(_ target: String) -> PipelineError {
        let message = "no stage or output named '\(target)' in pipeline '\(name)'"
        let base = String(target.prefix { $0 != "@" })
        let expansions = stages.filter { $0.baseName == base }
        guard target.contains("@"), !expansions.isEmpty else {
            let bases = stages.map(\.baseName).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            let hint = NameSuggestion.hint(for: base, in: bases)
            return PipelineError(.unknownTarget, at: nil, message,
                                 hint: hint.isEmpty ? "see `rederive dag \(name)` for the stages" : hint + "the stages are: \(bases.joined(separator: ", "))")
        }
        var given = [(variable: String, value: String)]()
        for binding in target.dropFirst(base.count + 1).split(separator: ",", omittingEmptySubsequences: false) {
            let parts = binding.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            given.append((parts[0], parts.count > 1 ? parts[1] : ""))
        }
        let problems = given.compactMap { matrixProblem($0.variable, $0.value, in: expansions) }
        if !problems.isEmpty {
            return PipelineError(.unknownTarget, at: nil, message + ": " + problems.joined(separator: "; "),
                                 hint: "its expansions are named like \(expansions[0].name)")
        }
        // Every value exists: the order differs, or a variable is missing.
        let wanted = Set(given.map { "\($0.variable)=\($0.value)" })
        if let same = expansions.first(where: { Set($0.matrix.map { "\($0.name)=\($0.value.text)" }) == wanted }) {
            return PipelineError(.unknownTarget, at: nil, message, hint: "did you mean '\(same.name)'?")
        }
        let missing = expansions[0].matrix.map(\.name).filter { variable in !given.contains { $0.variable == variable } }
        return PipelineError(.unknownTarget, at: nil, message + ": give every matrix variable of stage '\(base)' (\(missing.joined(separator: ", ")) missing)",
                             hint: "or give its base name '\(base)' for every expansion; e.g. \(expansions[0].name)")
    }

    /// What is wrong with `variable=value` for a stage with these expansions, or nil.
    private func matrixProblem(_ variable: String, _ value: String, in expansions: [Stage]) -> String? {
        let variables = expansions[0].matrix.map(\.name)
        guard variables.contains(variable) else {
            return "stage '\(expansions[0].baseName)' has no matrix variable '\(variable)'; "
                + NameSuggestion.hint(for: variable, in: variables) + "its variables: \(variables.joined(separator: ", "))"
        }
        let values = expansions.compactMap { $0.matrix.first { $0.name == variable }?.value.text }
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        if values.contains(value) { return nil }
        let plural = variable.hasSuffix("s") ? variable : variable + "s"
        // Numbers are all close to each other: suggest only for names (design=studdy).
        let hint = (value.count < 3 ? nil : NameSuggestion.closest(to: value, in: values)).map { "; did you mean \(variable)=\($0)?" } ?? ""
        return "\(variable) \(value.isEmpty ? "(empty)" : value) is not among \(plural) [\(values.joined(separator: ", "))]" + hint
    }
}
