/// A param whose value differs from the one the lock recorded: `steps 600 → 1200`.
public struct ParamChange: Sendable, Equatable, CustomStringConvertible {
    public var key: String
    public var old: ParamValue?
    public var new: ParamValue?

    public var description: String {
        "\(key) \(old.map(\.text) ?? "(unset)") → \(new.map(\.text) ?? "(unset)")"
    }
}

/// Why a stage must run. A stage is up to date when it has a lock entry and none of these holds.
public enum OutOfDateReason: Sendable, Equatable, CustomStringConvertible {
    case forced
    case neverBuilt
    case noRunner(kind: String)
    case kindChanged(from: String, to: String)
    case codeChanged(from: String, to: String)
    /// The code version changed because these source files did (added, removed or edited).
    case sourcesChanged([String])
    /// Each changed param with its value in the lock and now (nil: not set).
    case paramsChanged([ParamChange])
    case inputChanged(String)
    case inputMissing(String)
    case inputsChanged(added: [String], removed: [String])
    case outputMissing(String)
    case outputModified(String)
    case outputsChanged(added: [String], removed: [String])
    /// Only in plans (dry run, status): an upstream stage will run first and may change this
    /// stage's inputs; early cut-off decides after it has run.
    case upstreamWillRun(String)
    /// Only in plans: make will refuse to run the stage, because this output folder holds files
    /// Rederive did not make (`StageFiles.refuseForeignOutputFolders`).
    case refusedOutputFolder(String)

    public var description: String {
        switch self {
        case .forced: "forced"
        case .neverBuilt: "never built"
        case .noRunner(let kind): "no runner registered for kind '\(kind)'"
        case .kindChanged(let a, let b): "kind changed (\(a) -> \(b))"
        case .codeChanged(let a, let b): "code changed (code version \(a) -> \(b))"
        case .sourcesChanged(let files): "code changed: \(files.prefix(3).joined(separator: ", "))" + (files.count > 3 ? " and \(files.count - 3) more" : "")
        case .paramsChanged(let changes): "params changed: " + changes.map(\.description).joined(separator: ", ")
        case .inputChanged(let path): "input changed: \(path)"
        case .inputMissing(let path): "input missing: \(path)"
        case .inputsChanged(let added, let removed):
            "inputs changed:" + (added.isEmpty ? "" : " added \(added.joined(separator: ", "))") + (removed.isEmpty ? "" : " removed \(removed.joined(separator: ", "))")
        case .outputMissing(let path): "output missing: \(path)"
        case .outputModified(let path): "output modified: \(path)"
        case .outputsChanged(let added, let removed):
            "outputs changed:" + (added.isEmpty ? "" : " added \(added.joined(separator: ", "))") + (removed.isEmpty ? "" : " removed \(removed.joined(separator: ", "))")
        case .upstreamWillRun(let stage): "may run: upstream \(stage) runs first (skipped if its outputs come out identical)"
        case .refusedOutputFolder(let path): "but make will refuse: its output folder \(path)/ holds files Rederive did not make"
        }
    }
}

/// The comparison of a stage's current state with its lock entry.
///
/// A stage reruns when its params, the content (SHA-256) of its inputs, its code version, or its
/// outputs (missing or modified) differ from the lock; never on timestamps alone. Because inputs
/// are compared by content, a stage that reran and wrote identical bytes leaves its dependents
/// up to date (early cut-off).
public struct Fingerprint: Sendable {
    /// Current input hashes, path -> SHA-256 (missing inputs absent).
    public var inputs: [String: String]
    public var reasons: [OutOfDateReason]
    public var isUpToDate: Bool { reasons.isEmpty }

    /// Compares `stage` with its entry in `lock`. Stops hashing at the first reason unless `allReasons`.
    static func check(_ stage: Stage, lock: LockFile, runner: (any StageRunner)?, hasher: FileHasher,
                      allReasons: Bool) throws(PipelineError) -> Fingerprint {
        let entry = lock.stages[stage.name]
        let codeVersion = runner?.codeVersion(for: stage)
        var result = Fingerprint(inputs: [:], reasons: [])
        for input in stage.inputs {
            if let sha = try hasher.hash(input.path) { result.inputs[input.path] = sha }
        }
        guard let codeVersion else {
            result.reasons.append(.noRunner(kind: stage.kind.name))
            return result
        }
        guard let entry else {
            result.reasons.append(.neverBuilt)
            return result
        }
        if entry.kind != stage.kind.description { result.reasons.append(.kindChanged(from: entry.kind, to: stage.kind.description)) }
        if entry.codeVersion != codeVersion {
            let current = runner?.codeSources(for: stage) ?? [:]
            let changed = lock.sources[entry.codeVersion].map { CodeSources.changedFiles($0, current) } ?? []
            result.reasons.append(changed.isEmpty ? .codeChanged(from: entry.codeVersion, to: codeVersion) : .sourcesChanged(changed))
        }
        if entry.params != stage.params {
            let keys = Set(entry.params.keys).union(stage.params.keys).filter { entry.params[$0] != stage.params[$0] }.sorted()
            result.reasons.append(.paramsChanged(keys.map { ParamChange(key: $0, old: entry.params[$0], new: stage.params[$0]) }))
        }
        if !allReasons && !result.reasons.isEmpty { return result }

        let declaredInputs = Set(stage.inputs.map(\.path))
        let recordedInputs = Set(entry.inputs.keys)
        if declaredInputs != recordedInputs {
            result.reasons.append(.inputsChanged(added: declaredInputs.subtracting(recordedInputs).sorted(),
                                                 removed: recordedInputs.subtracting(declaredInputs).sorted()))
        }
        for input in stage.inputs {
            guard let current = result.inputs[input.path] else { result.reasons.append(.inputMissing(input.path)); continue }
            if let recorded = entry.inputs[input.path], recorded != current { result.reasons.append(.inputChanged(input.path)) }
        }
        if !allReasons && !result.reasons.isEmpty { return result }

        let declaredOutputs = Set(stage.outputs.map(\.path))
        let recordedOutputs = Set(entry.outputs.keys)
        if declaredOutputs != recordedOutputs {
            result.reasons.append(.outputsChanged(added: declaredOutputs.subtracting(recordedOutputs).sorted(),
                                                  removed: recordedOutputs.subtracting(declaredOutputs).sorted()))
        }
        for output in stage.outputs {
            guard let current = try hasher.hash(output.path) else { result.reasons.append(.outputMissing(output.path)); continue }
            if let recorded = entry.outputs[output.path], recorded != current { result.reasons.append(.outputModified(output.path)) }
        }
        return result
    }
}
