import Spelling

/// What a stage runs.
///
/// The kinds a pipeline file may name in `kind:` are those registered in the `StageRegistry`
/// the parser is given (the study's `train`, `analyze`, `figure <recipe>` and `slides` come from
/// the Stages module); the engine itself knows none of them. `cmd` is a shell command and is
/// always available.
public enum StageKind: Hashable, Sendable, CustomStringConvertible {
    /// A shell command, run with `/bin/sh -c` (text after interpolation).
    case command(String)
    /// A registered kind such as `train`, or `figure` with its recipe as the argument.
    case builtin(name: String, argument: String?)

    /// The registry key: `cmd`, `train`, `figure`, ...
    public var name: String {
        switch self {
        case .command: "cmd"
        case .builtin(let name, _): name
        }
    }

    public var argument: String? {
        switch self {
        case .command(let text): text
        case .builtin(_, let argument): argument
        }
    }

    public var description: String {
        switch self {
        case .command: "cmd"
        case .builtin(let name, let argument): argument.map { "\(name) \($0)" } ?? name
        }
    }

    /// Parses `kind:` text against the kinds `registry` knows: a registered name, followed by
    /// its argument when the kind takes one (`figure loss_curves`). Errors are located at
    /// `location` and say what is registered, with a "did you mean" when a name is close.
    static func parse(_ text: String, registry: StageRegistry, at location: SourceLocation, in what: String) throws(PipelineError) -> StageKind {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first, first != "cmd", let runner = registry.runner(named: first) else {
            let name = words.first ?? ""
            let usage = registry.usage
            throw PipelineError(.missingRunner, at: location, "unknown stage kind '\(text)' in \(what): no runner for '\(name)' is registered in this build",
                                hint: NameSuggestion.hint(for: name, in: registry.kinds.filter { $0 != "cmd" })
                                    + "expected \(usage.isEmpty ? "" : usage.joined(separator: ", ") + ", or ")a `cmd:` key instead of `kind:`"
                                    + " (registered kinds: \(registry.kinds.joined(separator: ", ")))")
        }
        switch (runner.argument, words.count) {
        case (nil, 1): return .builtin(name: first, argument: nil)
        case (.some, 2): return .builtin(name: first, argument: words[1])
        case (nil, _):
            throw PipelineError(.wrongType, at: location, "stage kind '\(first)' in \(what) takes no argument, found '\(text)'", hint: "write `kind: \(first)`")
        case (.some(let argument), _):
            throw PipelineError(.wrongType, at: location, "stage kind '\(first)' in \(what) needs one \(argument), found '\(text)'",
                                hint: "write `kind: \(first) <\(argument)>`")
        }
    }
}
