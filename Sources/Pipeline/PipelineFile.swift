import SafeYAML
import Yams

/// A pipeline file as written, before matrix expansion: declarations with their source locations.
///
/// Parsing is strict: an unknown key or a value of the wrong type is an error that names the file,
/// line and column and says what was expected, because a typo in a pipeline silently dropping a
/// param would otherwise cost a retrain to notice.
public struct PipelineFile: Sendable {
    /// The file's path as given (used in messages).
    public var path: String
    /// The pipeline's name: the file name without `.yaml`.
    public var name: String
    public var description: String?
    /// Pipeline params with defaults; `-S key=value` overrides them.
    public var params: [String: ParamValue]
    /// Where each param (by dotted path) was declared, for override errors.
    public var paramLocations: [String: SourceLocation]
    /// The `params:` key (or the file's start), where an unknown override is reported.
    public var paramsLocation: SourceLocation
    /// The folder for intermediate outputs (git-ignored); `artifacts` unless set.
    public var artifacts: String
    /// Where `artifacts:` was written; nil when the file does not set it.
    public var artifactsLocation: SourceLocation?
    public var stages: [StageDeclaration]

    /// Parses YAML text. `path` only labels locations; `kind:` must name a kind `registry` has.
    public static func parse(yaml: String, path: String, registry: StageRegistry) throws(PipelineError) -> PipelineFile {
        let root: Node?
        try YAMLAliasGuard.check(yaml, path: path)
        do {
            // An empty resolver: every scalar stays a string and we type plain scalars ourselves.
            // Yams' default resolver runs several regular expressions per scalar, which dominated
            // a no-op `make` of a 1000-stage pipeline.
            root = try Yams.compose(yaml: yaml, .basic)
        } catch let error as YamlError {
            throw PipelineFile.syntaxError(error, path: path)
        } catch {
            throw PipelineError(.syntax, at: SourceLocation(file: path, line: 0, column: 0), "cannot parse YAML: \(error)")
        }
        PhaseTimer.shared.mark("YAML compose (Yams)")
        var reader = NodeReader(path: path, registry: registry)
        guard let root else {
            throw PipelineError(.missingKey, at: SourceLocation(file: path, line: 1, column: 1),
                                "the pipeline file is empty", hint: "a pipeline needs at least `stages:`")
        }
        return try reader.pipeline(root, name: PipelineFile.name(ofPath: path))
    }

    static func name(ofPath path: String) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".yaml", ".yml"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        return base
    }

    private static func syntaxError(_ error: YamlError, path: String) -> PipelineError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return PipelineError(.syntax, at: SourceLocation(file: path, line: mark.line, column: mark.column),
                                 "invalid YAML: \(what)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PipelineError(.syntax, at: SourceLocation(file: path, line: context.mark.line, column: context.mark.column),
                                 "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return PipelineError(.syntax, at: SourceLocation(file: path, line: 0, column: 0), "invalid YAML: \(error)")
        }
    }
}

/// One `stages:` entry as written.
public struct StageDeclaration: Sendable {
    public var name: String
    public var location: SourceLocation
    public var kind: StageKind
    public var kindLocation: SourceLocation
    public var description: String?
    /// Params in declaration order; values may contain `${...}`.
    public var params: [(name: String, value: Located<ParamValue>)]
    /// Named (map form) or unnamed (list form, name nil) inputs: paths or `stage:NAME[:OUTPUT]`.
    public var inputs: [(name: String?, value: Located<String>)]
    /// Named or unnamed outputs; a trailing `/` marks a folder.
    public var outputs: [(name: String?, value: Located<String>)]
    /// `matrix:` variables in order; each value is a list or `${param}` naming a list param.
    public var matrix: [(name: String, values: Located<ParamValue>)]
    /// `foreach:` rows: each row binds variables, in order.
    public var foreach: [Located<[(String, ParamValue)]>]?
    /// `resources:`, shared by every expansion (literal values, no `${...}`).
    public var resources = StageResources()
}

/// Reads Yams nodes into declarations, turning every surprise into a located `PipelineError`.
struct NodeReader {
    let path: String
    /// The stage kinds `kind:` may name.
    var registry = StageRegistry.standard

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: path, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    func typeError(_ node: Node, expected: String, for what: String) -> PipelineError {
        PipelineError(.wrongType, at: location(node), "\(what) must be \(expected), found \(describe(node))")
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "\(value(of: node).typeName) '\(s.string)'"
        case .sequence: "a list"
        case .mapping: "a map"
        case .alias: "an alias"
        }
    }

    /// The entries of a map node in order, with string keys; rejects keys outside `allowed`.
    func entries(_ node: Node, what: String, allowed: [String]? = nil) throws(PipelineError) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { throw typeError(node, expected: "a map", for: what) }
        var result = [(key: String, keyNode: Node, value: Node)]()
        var seen = Set<String>()
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw typeError(keyNode, expected: "a string key", for: "a key in \(what)") }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                throw PipelineError(.unknownKey, at: location(keyNode), "unknown key '\(key)' in \(what)",
                                    hint: "expected one of: \(allowed.joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else {
                throw PipelineError(.syntax, at: location(keyNode), "duplicate key '\(key)' in \(what)")
            }
            result.append((key, keyNode, valueNode))
        }
        return result
    }

    func string(_ node: Node, what: String) throws(PipelineError) -> String {
        guard case .scalar(let scalar) = node, case .string(let text) = value(of: node) else {
            // Numbers are fine where text is expected (a path `2`, a command `true`).
            if case .scalar(let scalar) = node, scalar.style == .plain, value(of: node) != .null { return scalar.string }
            throw typeError(node, expected: "a string", for: what)
        }
        _ = scalar
        return text
    }

    /// A node as a param value. Plain scalars are typed; quoted ones are strings.
    func value(of node: Node) -> ParamValue {
        switch node {
        case .scalar(let scalar):
            scalar.style == .plain ? ParamValue.typingPlainScalar(scalar.string) : .string(scalar.string)
        case .sequence(let sequence):
            .list(sequence.map { value(of: $0) })
        case .mapping(let mapping):
            .map(Dictionary(mapping.map { (key, value) in (key.string ?? "", self.value(of: value)) }, uniquingKeysWith: { a, _ in a }))
        case .alias:
            .null
        }
    }

    mutating func pipeline(_ root: Node, name: String) throws(PipelineError) -> PipelineFile {
        var file = PipelineFile(path: path, name: name, description: nil, params: [:], paramLocations: [:],
                                paramsLocation: SourceLocation(file: path, line: 1, column: 1), artifacts: "artifacts", stages: [])
        var sawStages = false
        for entry in try entries(root, what: "the pipeline", allowed: ["description", "params", "artifacts", "stages"]) {
            switch entry.key {
            case "description": file.description = try string(entry.value, what: "description")
            case "artifacts":
                file.artifacts = try string(entry.value, what: "artifacts")
                file.artifactsLocation = location(entry.value)
                try ProjectPaths.validateArtifacts(file.artifacts, at: location(entry.value))
            case "params":
                file.paramsLocation = location(entry.keyNode)
                if case .scalar = entry.value, value(of: entry.value) == .null { continue }
                _ = try entries(entry.value, what: "params")
                file.params = value(of: entry.value).mapValue
                recordLocations(entry.value, prefix: "", into: &file.paramLocations)
            case "stages":
                sawStages = true
                for stage in try entries(entry.value, what: "stages") {
                    file.stages.append(try declaration(name: stage.key, nameNode: stage.keyNode, node: stage.value))
                }
            default: break
            }
        }
        if !sawStages {
            throw PipelineError(.missingKey, at: location(root), "the pipeline has no `stages:`",
                                hint: "add `stages:` with at least one stage")
        }
        return file
    }

    private func recordLocations(_ node: Node, prefix: String, into locations: inout [String: SourceLocation]) {
        guard case .mapping(let mapping) = node else { return }
        for (key, value) in mapping {
            let path = prefix.isEmpty ? (key.string ?? "") : prefix + "." + (key.string ?? "")
            locations[path] = location(key)
            recordLocations(value, prefix: path, into: &locations)
        }
    }

    static let stageKeys = ["description", "kind", "cmd", "params", "inputs", "outputs", "matrix", "foreach", "resources"]

    func declaration(name: String, nameNode: Node, node: Node) throws(PipelineError) -> StageDeclaration {
        try StageName.validate(name, at: location(nameNode))
        let what = "stage '\(name)'"
        var kind: StageKind?
        var kindLocation = location(nameNode)
        var stage = StageDeclaration(name: name, location: location(nameNode), kind: .command(""), kindLocation: kindLocation,
                                     description: nil, params: [], inputs: [], outputs: [], matrix: [], foreach: nil)
        for entry in try entries(node, what: what, allowed: NodeReader.stageKeys) {
            switch entry.key {
            case "description": stage.description = try string(entry.value, what: "description of \(what)")
            case "kind":
                let text = try string(entry.value, what: "kind of \(what)")
                let parsed = try StageKind.parse(text, registry: registry, at: location(entry.value), in: what)
                if kind != nil { throw conflictingKinds(entry.keyNode, what) }
                kind = parsed
                kindLocation = location(entry.value)
            case "cmd":
                if kind != nil { throw conflictingKinds(entry.keyNode, what) }
                kind = .command(try string(entry.value, what: "cmd of \(what)"))
                kindLocation = location(entry.value)
            case "params":
                for param in try entries(entry.value, what: "params of \(what)") {
                    try StageName.validateIdentifier(param.key, at: location(param.keyNode), what: "param name")
                    stage.params.append((param.key, Located(value(of: param.value), at: location(param.value))))
                }
            case "resources": stage.resources = try StageResources(node: entry.value, reader: self, what: what)
            case "inputs": stage.inputs = try files(entry.value, what: "inputs of \(what)")
            case "outputs": stage.outputs = try files(entry.value, what: "outputs of \(what)")
            case "matrix":
                for variable in try entries(entry.value, what: "matrix of \(what)") {
                    try StageName.validateIdentifier(variable.key, at: location(variable.keyNode), what: "matrix variable")
                    let values = value(of: variable.value)
                    switch values {
                    case .list(let items) where !items.isEmpty: break
                    case .string(let s) where s.hasPrefix("${") && s.hasSuffix("}"): break
                    default:
                        throw typeError(variable.value, expected: "a non-empty list or `${param}` naming a list param",
                                        for: "matrix variable '\(variable.key)' of \(what)")
                    }
                    stage.matrix.append((variable.key, Located(values, at: location(variable.value))))
                }
            case "foreach":
                guard case .sequence(let rows) = entry.value, !rows.isEmpty else {
                    throw typeError(entry.value, expected: "a non-empty list of maps", for: "foreach of \(what)")
                }
                var parsed = [Located<[(String, ParamValue)]>]()
                for row in rows {
                    var bindings = [(String, ParamValue)]()
                    for binding in try entries(row, what: "a foreach row of \(what)") {
                        try StageName.validateIdentifier(binding.key, at: location(binding.keyNode), what: "foreach variable")
                        bindings.append((binding.key, value(of: binding.value)))
                    }
                    parsed.append(Located(bindings, at: location(row)))
                }
                stage.foreach = parsed
            default: break
            }
        }
        guard let kind else {
            throw PipelineError(.missingKey, at: location(nameNode), "\(what) has no kind",
                                hint: "add `kind: \(registry.usage.isEmpty ? "<kind>" : registry.usage.joined(separator: "|"))` or `cmd: <shell command>`")
        }
        if stage.foreach != nil && !stage.matrix.isEmpty {
            throw PipelineError(.wrongType, at: location(nameNode), "\(what) has both `matrix:` and `foreach:`",
                                hint: "use one: matrix for a cartesian product, foreach for explicit rows")
        }
        if stage.outputs.isEmpty {
            throw PipelineError(.missingKey, at: location(nameNode), "\(what) declares no outputs",
                                hint: "every stage needs `outputs:`; make decides what to run from them")
        }
        stage.kind = kind
        stage.kindLocation = kindLocation
        return stage
    }

    private func conflictingKinds(_ node: Node, _ what: String) -> PipelineError {
        PipelineError(.wrongType, at: location(node), "\(what) has both `kind:` and `cmd:`", hint: "a stage runs one thing: keep one")
    }

    /// `inputs:`/`outputs:` as a list of strings or a map of name to string.
    private func files(_ node: Node, what: String) throws(PipelineError) -> [(name: String?, value: Located<String>)] {
        switch node {
        case .sequence(let items):
            var result = [(name: String?, value: Located<String>)]()
            for item in items { result.append((nil, Located(try string(item, what: "an entry of \(what)"), at: location(item)))) }
            return result
        case .mapping:
            var result = [(name: String?, value: Located<String>)]()
            for entry in try entries(node, what: what) {
                try StageName.validateIdentifier(entry.key, at: location(entry.keyNode), what: "name in \(what)")
                result.append((entry.key, Located(try string(entry.value, what: "'\(entry.key)' of \(what)"), at: location(entry.value))))
            }
            return result
        case .scalar where value(of: node) == .null:
            return []
        default:
            throw typeError(node, expected: "a list of paths or a map of name to path", for: what)
        }
    }
}

extension ParamValue {
    var mapValue: [String: ParamValue] {
        if case .map(let map) = self { return map }
        return [:]
    }

    var listValue: [ParamValue] {
        if case .list(let list) = self { return list }
        return []
    }
}

/// Rules for names, so that expanded names, log file names and env variables stay well-formed.
enum StageName {
    static func validate(_ name: String, at location: SourceLocation) throws(PipelineError) {
        let ok = !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
        }
        if !ok {
            throw PipelineError(.invalidName, at: location, "invalid stage name '\(name)'",
                                hint: "use letters, digits, '_', '-' and '.'; '@' is added by matrix expansion")
        }
    }

    /// A matrix or foreach value becomes part of the stage's name (`train@seed=0`), which is
    /// shown, written to the lock and named on the command line. A NUL or another control
    /// character is refused there. A `/` or `..` is allowed (a foreach row may name a file), and
    /// the name's log file is named safely instead (`logFileName`), so it never leaves the
    /// log folder.
    static func validateValue(_ value: ParamValue, of variable: String, at location: SourceLocation) throws(PipelineError) {
        let text = value.text
        guard text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else { return }
        let shown = String(String.UnicodeScalarView(text.unicodeScalars.prefix(60).map { $0.value < 32 || $0.value == 127 ? "?" : $0 }))
        throw PipelineError(.invalidName, at: location,
                            "value '\(shown)' of '\(variable)' holds a control character (NUL, newline, tab, ...); it would become part of a stage name",
                            hint: "remove the control characters from the value")
    }

    /// The file name (without `.log`) of a stage's log: its name with `%` and `/` written as
    /// `%25` and `%2F`, and a leading `.` as `%2E`, so that a matrix value such as
    /// `../../x` names a file inside the log folder, never a path out of it, and no two
    /// stages share a log.
    static func logFileName(_ name: String) -> String {
        var out = ""
        for (i, character) in name.enumerated() {
            switch character {
            case "%": out += "%25"
            case "/": out += "%2F"
            case "." where i == 0: out += "%2E"
            default: out.append(character)
            }
        }
        return out
    }

    static func validateIdentifier(_ name: String, at location: SourceLocation, what: String) throws(PipelineError) {
        let ok = !name.isEmpty && name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45
        }
        if !ok {
            throw PipelineError(.invalidName, at: location, "invalid \(what) '\(name)'", hint: "use letters, digits, '_' and '-'")
        }
    }
}
