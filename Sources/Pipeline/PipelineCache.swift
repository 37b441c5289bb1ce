import Foundation

/// The parsed and expanded pipeline, cached by the SHA-256 of the pipeline file's bytes (with the
/// overrides, the project folder, the name used in messages and the registered stage kinds), so that a `make` after an edit
/// to a data file, not to the pipeline, skips YAML parsing and expansion. It is a cache: any
/// mismatch or unreadable content means parsing again.
enum PipelineCache {
    static let format = 5

    static func path(_ project: Project) -> String { project.stateFolder(artifacts: "artifacts") + "/\(project.name).pipeline" }

    static func key(bytes: [UInt8], overrides: [ParamOverride], display: String, root: String, kinds: String) -> String {
        var hasher = SHA256()
        hasher.update("rederive-pipeline-cache \(format)\n\(root)\n\(display)\n\(kinds)\n")
        hasher.update(overrides.map(\.text).joined(separator: "\u{1}") + "\n")
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    static func load(_ path: String, key: String) -> Pipeline? {
        guard getenv("REDERIVE_NO_CACHE") == nil, let bytes = try? AtomicFileIO.readIfExists(path),
              case .map(let top)? = try? JSONText.parse(bytes), top["key"] == .string(key) else { return nil }
        return decode(top)
    }

    static func store(_ pipeline: Pipeline, key: String, to path: String) {
        var out = ""
        JSONText.write(encode(pipeline, key: key), into: &out, indent: nil, level: 0)
        try? AtomicFileIO.writeCache(Array(out.utf8), to: path)
    }

    private static func encode(_ p: Pipeline, key: String) -> ParamValue {
        func location(_ l: SourceLocation) -> ParamValue { .list([.int(l.line), .int(l.column)]) }
        func optional(_ s: String?) -> ParamValue { s.map { .string($0) } ?? .null }
        let stages: [ParamValue] = p.stages.map { s in
            var fields: [String: ParamValue] = [
                "n": .string(s.name), "b": .string(s.baseName),
                "m": .list(s.matrix.map { .list([.string($0.name), $0.value]) }),
                "k": .string(s.kind.name), "a": optional(s.kind.argument), "p": .map(s.params),
                "i": .list(s.inputs.map { .list([optional($0.name), .string($0.path), .bool($0.isDirectory), .int($0.producer ?? -1), location($0.location)]) }),
                "o": .list(s.outputs.map { .list([optional($0.name), .string($0.path), .bool($0.isDirectory), location($0.location)]) }),
                "d": .list(s.dependencies.map { .int($0) }),
                "l": location(s.location), "kl": location(s.kindLocation),
            ]
            if let description = s.description { fields["desc"] = .string(description) }
            if !s.paramLocations.isEmpty { fields["pl"] = .map(s.paramLocations.mapValues(location)) }
            if s.resources != StageResources() { fields["r"] = encode(s.resources) }
            return .map(fields)
        }
        var top: [String: ParamValue] = ["key": .string(key), "name": .string(p.name), "file": .string(p.file), "root": .string(p.root),
                                         "artifacts": .string(p.artifacts), "params": .map(p.params), "stages": .list(stages)]
        if let at = p.artifactsLocation { top["al"] = location(at) }
        if !p.impliedInputSources.isEmpty {
            top["src"] = .list(p.impliedInputSources.map { .list([.string($0), .string(FileIdentity.of($0)?.text ?? "none")]) })
        }
        return .map(top)
    }

    private static func encode(_ r: StageResources) -> ParamValue {
        var fields = [String: ParamValue]()
        if let cpus = r.cpus { fields["cpus"] = .int(cpus) }
        if let memory = r.memory { fields["mem"] = .string(memory) }
        if let time = r.time { fields["time"] = .string(time) }
        if let partition = r.partition { fields["partition"] = .string(partition) }
        if let parallel = r.parallel { fields["parallel"] = .int(parallel) }
        return .map(fields)
    }

    private static func decode(_ value: ParamValue) -> StageResources {
        let fields = value.mapValue
        func int(_ key: String) -> Int? { if case .int(let i)? = fields[key] { return i } else { return nil } }
        func string(_ key: String) -> String? { if case .string(let s)? = fields[key] { return s } else { return nil } }
        return StageResources(cpus: int("cpus"), memory: string("mem"), time: string("time"), partition: string("partition"),
                              parallel: int("parallel"))
    }

    private static func decode(_ top: [String: ParamValue]) -> Pipeline? {
        guard case .string(let name)? = top["name"], case .string(let file)? = top["file"], case .string(let root)? = top["root"],
              case .string(let artifacts)? = top["artifacts"], case .map(let params)? = top["params"],
              case .list(let encodedStages)? = top["stages"] else { return nil }
        func location(_ v: ParamValue?) -> SourceLocation? {
            guard case .list(let parts)? = v, parts.count == 2, case .int(let line) = parts[0], case .int(let column) = parts[1] else { return nil }
            return SourceLocation(file: file, line: line, column: column)
        }
        func optional(_ v: ParamValue) -> String? { if case .string(let s) = v { return s } else { return nil } }
        var stages = [Stage]()
        stages.reserveCapacity(encodedStages.count)
        for encoded in encodedStages {
            guard case .map(let f) = encoded, case .string(let stageName)? = f["n"], case .string(let base)? = f["b"],
                  case .list(let matrix)? = f["m"], case .string(let kindName)? = f["k"], let argument = f["a"],
                  case .map(let stageParams)? = f["p"], case .list(let inputs)? = f["i"], case .list(let outputs)? = f["o"],
                  case .list(let deps)? = f["d"], let stageLocation = location(f["l"]), let kindLocation = location(f["kl"]) else { return nil }
            let kind: StageKind = kindName == "cmd" ? .command(optional(argument) ?? "") : .builtin(name: kindName, argument: optional(argument))
            var stage = Stage(name: stageName, baseName: base, matrix: [], kind: kind, params: stageParams, inputs: [], outputs: [],
                              dependencies: [], location: stageLocation, kindLocation: kindLocation, description: f["desc"].flatMap(optional))
            for (param, at) in f["pl"]?.mapValue ?? [:] { stage.paramLocations[param] = location(at) }
            if let resources = f["r"] { stage.resources = decode(resources) }
            for binding in matrix {
                guard case .list(let pair) = binding, pair.count == 2, case .string(let variable) = pair[0] else { return nil }
                stage.matrix.append((variable, pair[1]))
            }
            for input in inputs {
                guard case .list(let v) = input, v.count == 5, case .string(let path) = v[1], case .bool(let isDirectory) = v[2],
                      case .int(let producer) = v[3], let at = location(v[4]) else { return nil }
                stage.inputs.append(StageInput(name: optional(v[0]), path: path, isDirectory: isDirectory,
                                               producer: producer >= 0 ? producer : nil, location: at))
            }
            for output in outputs {
                guard case .list(let v) = output, v.count == 4, case .string(let path) = v[1], case .bool(let isDirectory) = v[2],
                      let at = location(v[3]) else { return nil }
                stage.outputs.append(StageOutput(name: optional(v[0]), path: path, isDirectory: isDirectory, location: at))
            }
            for dep in deps {
                guard case .int(let d) = dep, d >= 0, d < stages.count else { return nil }
                stage.dependencies.append(d)
            }
            stages.append(stage)
        }
        var index = [String: Int]()
        var producers = [String: Int]()
        for (i, stage) in stages.enumerated() {
            index[stage.name] = i
            for output in stage.outputs { producers[output.path] = i }
        }
        var pipeline = Pipeline(name: name, file: file, root: root, artifacts: artifacts, params: params, stages: stages,
                                index: index, producers: producers, artifactsLocation: location(top["al"]))
        // Stale once a file that implied inputs were read from has changed (or appeared, or gone).
        for source in top["src"]?.listValue ?? [] {
            guard case .list(let pair) = source, pair.count == 2, case .string(let path) = pair[0],
                  pair[1] == .string(FileIdentity.of(path)?.text ?? "none") else { return nil }
            pipeline.impliedInputSources.append(path)
        }
        return pipeline
    }
}
