import Spelling
/// Turns a `PipelineFile` into a `Pipeline`: expands matrix/foreach, interpolates, resolves
/// stage references and path-matched inputs into edges, and checks the graph.
///
/// References: an input `stage:NAME` depends on all outputs of NAME, `stage:NAME:OUTPUT` on one
/// (by output name or path). NAME may be an expanded name (`train@layers=2,seed=0`) or a base
/// name; a base name selects the expansions whose matrix values agree with the referring stage's
/// on the variables both have, so `analyze` with the same matrix as `train` reads its own run,
/// and a stage without those variables reads them all (fan-in). A plain input path that another
/// stage writes (or lies inside a folder it writes) is an edge too.
public enum PipelineExpander {
    /// With `registry`, each stage's runner may add inputs it finds inside its declared ones
    /// (`StageRunner.impliedInputs`), before edges are resolved, so a file another stage writes
    /// orders the two stages.
    public static func expand(_ file: PipelineFile, root: String, overrides: [ParamOverride] = [],
                              registry: StageRegistry? = nil) throws(PipelineError) -> Pipeline {
        var file = file
        try ParamOverride.apply(overrides, to: &file)

        var stages = [Stage]()
        var pendingReferences = [[(input: Int, reference: Reference)]]()
        var index = [String: Int]()
        var expansionsOfBase = [String: [Int]]()

        for declaration in file.stages {
            if expansionsOfBase[declaration.name] != nil {
                throw PipelineError(.syntax, at: declaration.location, "duplicate stage '\(declaration.name)'")
            }
            expansionsOfBase[declaration.name] = []
            let rows = try expansions(of: declaration, file: file)
            try StageCount.checkTotal(stages.count + rows.count, at: declaration.location)
            for bindings in rows {
                let (stage, references) = try expandOne(declaration, bindings: bindings, file: file)
                if let existing = index[stage.name] {
                    throw PipelineError(.syntax, at: declaration.location, "two expansions are both named '\(stage.name)'",
                                        hint: "matrix/foreach rows must differ (first one at \(stages[existing].location))")
                }
                index[stage.name] = stages.count
                expansionsOfBase[declaration.name, default: []].append(stages.count)
                stages.append(stage)
                pendingReferences.append(references)
            }
        }

        let producers = try outputOwners(stages)
        let sortedOutputs = producers.keys.sorted()
        let impliedFrom = registry.map { addImpliedInputs(&stages, registry: $0, root: root, producers: producers) } ?? []

        // Resolve references and path-matched inputs into edges.
        for i in stages.indices {
            let (inputs, deps) = try resolveInputs(of: i, stages: stages, references: pendingReferences[i], index: index,
                                                   expansionsOfBase: expansionsOfBase, producers: producers, sortedOutputs: sortedOutputs)
            if deps.contains(i) {
                throw PipelineError(.cycle, at: stages[i].location, "stage '\(stages[i].name)' reads its own output",
                                    hint: "a stage's inputs and outputs must differ")
            }
            stages[i].inputs = inputs
            stages[i].dependencies = deps.sorted()
        }
        var pipeline = try sortedPipeline(stages, file: file, root: root)
        pipeline.impliedInputSources = impliedFrom
        return pipeline
    }

    /// Appends each stage's implied inputs (those it does not declare already) after its declared
    /// ones, located at its first input. Declared inputs that a stage writes (or references) are
    /// skipped: they may not exist yet, and the runner checks them when the stage runs.
    /// Returns the files read, sorted.
    static func addImpliedInputs(_ stages: inout [Stage], registry: StageRegistry, root: String,
                                 producers: [String: (Int, StageOutput)]) -> [String] {
        var readFrom = Set<String>()
        for i in stages.indices {
            guard let runner = registry.runner(for: stages[i].kind) else { continue }
            var declared = stages[i]
            declared.inputs = declared.inputs.filter { !$0.path.isEmpty && producer(of: $0.path, in: producers) == nil }
            let found = runner.impliedInputs(of: declared, root: root)
            readFrom.formUnion(found.readFrom)
            let at = declared.inputs.first?.location ?? stages[i].location
            var known = Set(stages[i].inputs.map(\.path))
            for path in found.paths where known.insert(path).inserted {
                stages[i].inputs.append(StageInput(name: found.name, path: path, isDirectory: false, producer: nil, location: at))
            }
        }
        return readFrom.sorted()
    }

    /// Stage `i`'s inputs with references resolved to the outputs they name, and the stages it
    /// depends on (by reference, by path, or as a folder holding other stages' outputs).
    static func resolveInputs(of i: Int, stages: [Stage], references: [(input: Int, reference: Reference)], index: [String: Int],
                              expansionsOfBase: [String: [Int]], producers: [String: (Int, StageOutput)],
                              sortedOutputs: [String]) throws(PipelineError) -> ([StageInput], Set<Int>) {
        var inputs = [StageInput]()
        var deps = Set<Int>()
        var referenceSlot = 0
        for (slot, input) in stages[i].inputs.enumerated() {
            if referenceSlot < references.count, references[referenceSlot].input == slot {
                let reference = references[referenceSlot].reference
                referenceSlot += 1
                let targets = try resolve(reference, at: input.location, from: stages[i], stages: stages, index: index, expansionsOfBase: expansionsOfBase)
                for target in targets {
                    var outputs = stages[target].outputs
                    if let wanted = reference.output {
                        outputs = outputs.filter { $0.name == wanted || $0.path == wanted }
                        if outputs.isEmpty {
                            let names = stages[target].outputs.map { $0.name ?? $0.path }
                            throw PipelineError(.missingStage, at: input.location,
                                                "stage '\(stages[target].name)' has no output '\(wanted)'",
                                                hint: "its outputs: \(names.joined(separator: ", "))")
                        }
                    }
                    for output in outputs {
                        inputs.append(StageInput(name: input.name, path: output.path, isDirectory: output.isDirectory,
                                                 producer: target, location: input.location))
                    }
                    deps.insert(target)
                }
            } else {
                var resolved = input
                resolved.producer = producer(of: input.path, in: producers)
                if let p = resolved.producer {
                    deps.insert(p)
                    if stages[p].outputs.contains(where: { $0.path == input.path && $0.isDirectory }) { resolved.isDirectory = true }
                } else {
                    // A folder input holding other stages' outputs depends on all of them.
                    let prefix = input.path + "/"
                    var k = lowerBound(prefix, in: sortedOutputs)
                    while k < sortedOutputs.count, sortedOutputs[k].hasPrefix(prefix) {
                        deps.insert(producers[sortedOutputs[k]]!.0)
                        resolved.isDirectory = true
                        k += 1
                    }
                }
                inputs.append(resolved)
            }
        }
        return (inputs, deps)
    }

    /// The stages in topological order, with dependencies and producers renumbered.
    static func sortedPipeline(_ stages: [Stage], file: PipelineFile, root: String) throws(PipelineError) -> Pipeline {
    let order = try topologicalOrder(stages)
    var position = [Int](repeating: 0, count: stages.count)
    for (newIndex, oldIndex) in order.enumerated() { position[oldIndex] = newIndex }
    var sorted = order.map { stages[$0] }
    for i in sorted.indices {
        sorted[i].dependencies = sorted[i].dependencies.map { position[$0] }.sorted()
        for j in sorted[i].inputs.indices { sorted[i].inputs[j].producer = sorted[i].inputs[j].producer.map { position[$0] } }
    }
    var finalIndex = [String: Int]()
    var finalProducers = [String: Int]()
    for (i, stage) in sorted.enumerated() {
        finalIndex[stage.name] = i
        for output in stage.outputs { finalProducers[output.path] = i }
    }
    return Pipeline(name: file.name, file: file.path, root: root, artifacts: file.artifacts, params: file.params,
                    stages: sorted, index: finalIndex, producers: finalProducers, artifactsLocation: file.artifactsLocation)
    }

    struct Reference {
        var stage: String
        var output: String?
    }

    /// The variable bindings of each expansion, in declaration order. The product's size is
    /// checked before the rows are built (`StageCount`), and no value may hold a control
    /// character, since each becomes part of a stage name (`StageName.validateValue`).
    static func expansions(of declaration: StageDeclaration, file: PipelineFile) throws(PipelineError) -> [[(String, ParamValue)]] {
        if let rows = declaration.foreach {
            try StageCount.check(rows.count, factors: [rows.count], of: declaration.name, what: "foreach", at: declaration.location)
            for row in rows { for (name, value) in row.value { try StageName.validateValue(value, of: name, at: row.location) } }
            return rows.map(\.value)
        }
        if declaration.matrix.isEmpty { return [[]] }
        let scope = InterpolationScope(builtins: ["artifacts": .string(file.artifacts)], pipelineParams: file.params)
        var lists = [(name: String, values: [ParamValue])]()
        for (name, located) in declaration.matrix {
            let resolved = try scope.interpolate(value: located.value, at: located.location)
            guard case .list(let values) = resolved, !values.isEmpty else {
                throw PipelineError(.wrongType, at: located.location,
                                    "matrix variable '\(name)' of stage '\(declaration.name)' must be a non-empty list, found \(resolved.typeName)")
            }
            for value in values { try StageName.validateValue(value, of: name, at: located.location) }
            lists.append((name, values))
        }
        let counts = lists.map(\.values.count)
        let product = counts.reduce(1.0) { $0 * Double($1) }
        try StageCount.check(product, factors: counts, of: declaration.name, at: declaration.matrix[0].values.location)
        var result: [[(String, ParamValue)]] = [[]]
        for (name, values) in lists { result = result.flatMap { row in values.map { row + [(name, $0)] } } }
        return result
    }

    static func expandOne(_ declaration: StageDeclaration, bindings: [(String, ParamValue)], file: PipelineFile)
        throws(PipelineError) -> (Stage, [(input: Int, reference: Reference)]) {
        let name = bindings.isEmpty ? declaration.name
            : declaration.name + "@" + bindings.map { "\($0.0)=\($0.1.text)" }.joined(separator: ",")
        var scope = InterpolationScope()
        scope.matrix = Dictionary(bindings, uniquingKeysWith: { a, _ in a })
        scope.builtins = ["name": .string(name), "stage": .string(declaration.name), "artifacts": .string(file.artifacts)]
        scope.pipelineParams = file.params

        var params = [String: ParamValue]()
        for (paramName, located) in declaration.params {
            params[paramName] = try scope.interpolate(value: located.value, at: located.location)
        }
        scope.stageParams = params

        let kind: StageKind
        switch declaration.kind {
        case .command(let text): kind = .command(try scope.interpolateString(text, at: declaration.kindLocation))
        case .builtin(let kindName, let argument):
            kind = .builtin(name: kindName, argument: try argument.map { (a) throws(PipelineError) in try scope.interpolateString(a, at: declaration.kindLocation) })
        }

        var outputs = [StageOutput]()
        for (outputName, located) in declaration.outputs {
            let text = try scope.interpolateString(located.value, at: located.location)
            let (path, isDirectory) = try normalizedPath(text, at: located.location, isOutput: true, root: "")
            outputs.append(StageOutput(name: outputName, path: path, isDirectory: isDirectory, location: located.location))
        }
        var inputs = [StageInput]()
        var references = [(input: Int, reference: Reference)]()
        for (inputName, located) in declaration.inputs {
            let text = try scope.interpolateString(located.value, at: located.location)
            if text.hasPrefix("stage:") {
                let parts = text.dropFirst(6).split(separator: ":", maxSplits: 1).map(String.init)
                guard let stageName = parts.first, !stageName.isEmpty else {
                    throw PipelineError(.syntax, at: located.location, "empty stage reference '\(text)'", hint: "write stage:NAME or stage:NAME:OUTPUT")
                }
                references.append((inputs.count, Reference(stage: stageName, output: parts.count > 1 ? parts[1] : nil)))
                inputs.append(StageInput(name: inputName, path: "", isDirectory: false, producer: nil, location: located.location))
            } else {
                let (path, isDirectory) = try normalizedPath(text, at: located.location, isOutput: false, root: "")
                inputs.append(StageInput(name: inputName, path: path, isDirectory: isDirectory, producer: nil, location: located.location))
            }
        }
        let stage = Stage(name: name, baseName: declaration.name, matrix: bindings.map { (name: $0.0, value: $0.1) }, kind: kind,
                          params: params, inputs: inputs, outputs: outputs, dependencies: [], location: declaration.location,
                          kindLocation: declaration.kindLocation, description: declaration.description,
                          paramLocations: Dictionary(declaration.params.map { ($0.name, $0.value.location) }, uniquingKeysWith: { a, _ in a }),
                          resources: declaration.resources)
        return (stage, references)
    }

    /// Removes `./` and repeated slashes; a trailing `/` marks a folder. Outputs must stay inside
    /// the project (relative, no `..`), so `clean` and atomic renames never touch anything else.
    static func normalizedPath(_ text: String, at location: SourceLocation, isOutput: Bool, root: String) throws(PipelineError) -> (String, Bool) {
        let isDirectory = text.hasSuffix("/")
        let absolute = text.hasPrefix("/")
        var parts = [Substring]()
        for part in text.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            if part == ".." && isOutput {
                throw PipelineError(.invalidPath, at: location, "output '\(text)' leaves the project folder", hint: "outputs go under artifacts/ or Figures/")
            }
            parts.append(part)
        }
        if parts.isEmpty { throw PipelineError(.invalidPath, at: location, "empty path '\(text)'") }
        if absolute && isOutput {
            throw PipelineError(.invalidPath, at: location, "output '\(text)' is an absolute path", hint: "outputs are relative to the project folder, e.g. artifacts/... or Figures/...")
        }
        if isOutput { try ProjectPaths.validateOutput(parts, text: text, at: location) }
        return ((absolute ? "/" : "") + parts.joined(separator: "/"), isDirectory)
    }

    /// Output path -> producing stage; two stages writing one path (or one inside another's
    /// folder) is an error naming both.
    static func outputOwners(_ stages: [Stage]) throws(PipelineError) -> [String: (Int, StageOutput)] {
        var owners = [String: (Int, StageOutput)]()
        for (i, stage) in stages.enumerated() {
            for output in stage.outputs {
                if let (other, first) = owners[output.path] {
                    let who = other == i ? "stage '\(stage.name)' declares it twice" : "stages '\(stages[other].name)' and '\(stage.name)' both write it"
                    throw PipelineError(.duplicateOutput, at: output.location, "output '\(output.path)' has two writers: \(who)",
                                        hint: "first declared at \(first.location); give each stage its own path (use ${name} in sweeps)")
                }
                owners[output.path] = (i, output)
            }
        }
        for (path, (i, output)) in owners {
            var parent = Substring(path)
            while let slash = parent.lastIndex(of: "/") {
                parent = parent[..<slash]
                if let (other, folder) = owners[String(parent)], folder.isDirectory, other != i {
                    throw PipelineError(.duplicateOutput, at: output.location,
                                        "output '\(path)' of stage '\(stages[i].name)' is inside folder output '\(folder.path)' of stage '\(stages[other].name)'",
                                        hint: "declared at \(folder.location); outputs must not overlap")
                }
            }
        }
        return owners
    }

    static func lowerBound(_ key: String, in sorted: [String]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    static func producer(of path: String, in owners: [String: (Int, StageOutput)]) -> Int? {
        if let (i, _) = owners[path] { return i }
        var parent = Substring(path)
        while let slash = parent.lastIndex(of: "/") {
            parent = parent[..<slash]
            if let (i, output) = owners[String(parent)], output.isDirectory { return i }
        }
        return nil
    }

    static func resolve(_ reference: Reference, at location: SourceLocation, from stage: Stage, stages: [Stage], index: [String: Int],
                        expansionsOfBase: [String: [Int]]) throws(PipelineError) -> [Int] {
        if let exact = index[reference.stage] { return [exact] }
        guard let candidates = expansionsOfBase[reference.stage] else {
            let hint = NameSuggestion.hint(for: reference.stage, in: expansionsOfBase.keys.sorted() + index.keys.sorted())
            throw PipelineError(.missingStage, at: location,
                                "stage '\(stage.name)' reads from stage '\(reference.stage)', which does not exist",
                                hint: hint.isEmpty ? "declare it under `stages:`" : hint)
        }
        let mine = Dictionary(stage.matrix.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let matching = candidates.filter { candidate in
            stages[candidate].matrix.allSatisfy { binding in mine[binding.name].map { $0 == binding.value } ?? true }
        }
        if matching.isEmpty {
            throw PipelineError(.missingStage, at: location,
                                "no expansion of stage '\(reference.stage)' matches \(stage.name)'s matrix values",
                                hint: "expansions: \(candidates.map { stages[$0].name }.joined(separator: ", "))")
        }
        return matching
    }
}
