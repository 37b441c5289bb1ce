import Yams

/// A `-S key=value` from the command line.
///
/// The key is a dotted path into the pipeline params (`train.lr`), or `STAGE.PARAM` for a stage's
/// own param (applies to every expansion of that stage). The value is read as YAML, so `3e-4` is
/// a number, `[0, 1]` a list and `none` a string. It must have the type of the declared default:
/// an override that would silently change a param's type is rejected at the declaration's
/// location; an unknown key is reported at the pipeline's `params:` (or the stage).
public struct ParamOverride: Sendable, Hashable {
    public var key: String
    public var value: ParamValue
    /// The argument as typed, for messages.
    public var text: String

    public init(key: String, value: ParamValue, text: String) {
        self.key = key
        self.value = value
        self.text = text
    }

    var origin: SourceLocation { SourceLocation(file: "-S \(text)", line: 0, column: 0) }

    public static func parse(_ text: String) throws(PipelineError) -> ParamOverride {
        let origin = SourceLocation(file: "-S \(text)", line: 0, column: 0)
        guard let equals = text.firstIndex(of: "=") else {
            throw PipelineError(.invalidOverride, at: origin, "a param override must be key=value", hint: "for example -S train.lr=3e-4")
        }
        let key = String(text[..<equals]).trimmingSpaces
        let valueText = String(text[text.index(after: equals)...])
        guard !key.isEmpty, !key.hasPrefix("."), !key.hasSuffix("."), !key.contains("..") else {
            throw PipelineError(.invalidOverride, at: origin, "invalid param name '\(key)'", hint: "for example -S train.lr=3e-4")
        }
        let value: ParamValue
        do {
            if let node = try Yams.compose(yaml: valueText, .basic) {
                value = NodeReader(path: "-S").value(of: node)
            } else {
                value = .null
            }
        } catch {
            throw PipelineError(.invalidOverride, at: origin, "cannot read the value '\(valueText)' as YAML",
                                hint: "quote strings with special characters: -S 'key=\"a: b\"'")
        }
        return ParamOverride(key: key, value: value, text: text)
    }

    /// Applies overrides to a parsed file, checking each key exists and each value's type.
    public static func apply(_ overrides: [ParamOverride], to file: inout PipelineFile) throws(PipelineError) {
        for override in overrides {
            if let current = ParamPath.lookup(override.key, in: file.params) {
                let declared = file.paramLocations[override.key]
                let value = try converted(override, to: current, declaredAt: declared)
                ParamPath.set(override.key.split(separator: ".").map(String.init), to: value, in: &file.params)
                continue
            }
            let parts = override.key.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 2, let stageIndex = file.stages.firstIndex(where: { $0.name == parts[0] }) {
                let stage = file.stages[stageIndex]
                if let paramIndex = stage.params.firstIndex(where: { $0.name == parts[1] }) {
                    let declared = stage.params[paramIndex].value
                    let value: ParamValue
                    if case .string(let s) = declared.value, s.contains("${") {
                        value = override.value // interpolated: its type is only known after expansion
                    } else {
                        value = try converted(override, to: declared.value, declaredAt: declared.location)
                    }
                    file.stages[stageIndex].params[paramIndex].value = Located(value, at: declared.location)
                    continue
                }
                if file.params[parts[0]] == nil {
                    throw PipelineError(.invalidOverride, at: stage.location, "-S \(override.text): stage '\(parts[0])' has no param '\(parts[1])'",
                                        hint: "its params: \(stage.params.map(\.name).joined(separator: ", "))")
                }
            }
            var seen = Set<String>()
            let known = (file.paramLocations.keys.sorted() + file.stages.flatMap { s in s.params.map { "\(s.name).\($0.name)" } })
                .filter { seen.insert($0).inserted }
            throw PipelineError(.invalidOverride, at: file.paramsLocation, "-S \(override.text): unknown param '\(override.key)'",
                                hint: known.isEmpty ? "the pipeline declares no params" : "known params: \(known.joined(separator: ", "))")
        }
    }

    private static func converted(_ override: ParamOverride, to current: ParamValue, declaredAt: SourceLocation?) throws(PipelineError) -> ParamValue {
        let mismatch = { () -> PipelineError in
            PipelineError(.invalidOverride, at: declaredAt ?? override.origin,
                          "-S \(override.text): '\(override.key)' must be \(current.typeName) as declared here, got \(override.value.typeName) '\(override.value.text)'",
                          hint: "pass a value of the declared type")
        }
        switch (current, override.value) {
        case (.int, .int), (.double, .double), (.bool, .bool), (.list, .list), (.null, _): return override.value
        case (.double, .int(let i)): return .double(Double(i))
        case (.string, .list), (.string, .map): throw mismatch()
        case (.string, let v): return .string(v.text)
        case (.map, _):
            throw PipelineError(.invalidOverride, at: declaredAt ?? override.origin, "-S \(override.text): '\(override.key)' is a group of params",
                                hint: "override one of its keys, e.g. -S \(override.key).\(current.mapValue.keys.sorted().first ?? "x")=...")
        default: throw mismatch()
        }
    }
}
