/// What a stage runs.
///
/// The built-in kinds (`train`, `analyze`, `figure <recipe>`, `slides`) are run by `StageRunner`s
/// registered in a `StageRegistry` by the modules that own them; the engine only knows their
/// names. `cmd` is a shell command and is always available.
public enum StageKind: Hashable, Sendable, CustomStringConvertible {
    /// A shell command, run with `/bin/sh -c` (text after interpolation).
    case command(String)
    /// A built-in kind such as `train`, or `figure` with its recipe as the argument.
    case builtin(name: String, argument: String?)

    /// The kinds a pipeline file may name in `kind:`; `cmd:` is written as its own key.
    public static let builtinNames = ["train", "analyze", "figure", "slides"]

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

    /// Parses `kind:` text: `train`, `analyze`, `slides`, `figure <recipe>`.
    static func parse(_ text: String) -> StageKind? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first, builtinNames.contains(first) else { return nil }
        switch (first, words.count) {
        case ("figure", 2): return .builtin(name: "figure", argument: words[1])
        case ("figure", _): return nil
        case (_, 1): return .builtin(name: first, argument: nil)
        default: return nil
        }
    }
}
