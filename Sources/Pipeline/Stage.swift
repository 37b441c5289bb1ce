/// One stage after matrix expansion: everything needed to decide whether it is up to date and to
/// run it. Paths are relative to the project root (absolute paths are kept as written).
public struct Stage: Sendable {
    /// The expanded name: `train` or `train@layers=2,pos=none,seed=0`.
    public var name: String
    /// The name as declared, before expansion.
    public var baseName: String
    /// The matrix/foreach values of this expansion, in declaration order.
    public var matrix: [(name: String, value: ParamValue)]
    public var kind: StageKind
    /// Resolved params (interpolation done, overrides applied).
    public var params: [String: ParamValue]
    public var inputs: [StageInput]
    public var outputs: [StageOutput]
    /// Indices into `Pipeline.stages` of the stages this one reads from, sorted.
    public var dependencies: [Int]
    public var location: SourceLocation
    public var kindLocation: SourceLocation
    public var description: String?
    /// Where each param's value was written (stage params only), for errors about it.
    public var paramLocations: [String: SourceLocation] = [:]
    /// What it asks of the machine or the cluster (its declaration's `resources:`).
    public var resources = StageResources()
}

public struct StageInput: Sendable, Hashable {
    /// The name given in a map-form `inputs:`, else nil.
    public var name: String?
    public var path: String
    public var isDirectory: Bool
    /// The stage producing this path, when another stage declares it as an output.
    public var producer: Int?
    public var location: SourceLocation
}

public struct StageOutput: Sendable, Hashable {
    /// The name given in a map-form `outputs:`, else nil.
    public var name: String?
    /// The path without a trailing `/`.
    public var path: String
    public var isDirectory: Bool
    public var location: SourceLocation
}

/// A pipeline after expansion and graph building: stages in a topological order (every stage
/// comes after the stages it depends on; ties keep declaration order).
public struct Pipeline: Sendable {
    public var name: String
    /// The pipeline file's path.
    public var file: String
    /// The folder paths in the pipeline are relative to (the parent of `Pipelines/`).
    public var root: String
    public var artifacts: String
    public var params: [String: ParamValue]
    public var stages: [Stage]
    public var index: [String: Int]

    /// The stage producing a path (or the folder containing it).
    public var producers: [String: Int]
    /// Where `artifacts:` was written; nil when the file does not set it.
    public var artifactsLocation: SourceLocation? = nil
    /// Absolute paths of the files read to find implied inputs (`StageRunner.impliedInputs`):
    /// the cached expansion is stale once one of them changes.
    public var impliedInputSources: [String] = []

    public func stage(named name: String) -> Stage? { index[name].map { stages[$0] } }

    /// Indices of the stages that depend on `stage`, directly.
    public func dependents() -> [[Int]] {
        var result = [[Int]](repeating: [], count: stages.count)
        for (i, stage) in stages.enumerated() { for d in stage.dependencies { result[d].append(i) } }
        return result
    }
}
