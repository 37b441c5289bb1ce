/// Why a spec cannot be drawn. Each case reads as one sentence naming the spec file (set by
/// `VegaLiteSpec.load`) and, where it helps, the JSON path or data row at fault.
public struct VegaLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case malformed, unsupported, spec, unknownField, missingFile, badValue, emptyData, data
    }
    public var kind: Kind
    /// The spec file as the user named it; empty until `VegaLiteSpec.load` knows it.
    public var file: String
    /// A JSON path such as `/encoding/x`, or empty.
    public var path: String
    public var message: String

    public var description: String {
        var parts: [String] = []
        if !file.isEmpty { parts.append(file) }
        if !path.isEmpty { parts.append(path) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }

    static func spec(path: String, _ message: String) -> VegaLiteError {
        VegaLiteError(kind: .spec, file: "", path: path, message: message)
    }
    static func unsupported(path: String, _ message: String) -> VegaLiteError {
        VegaLiteError(kind: .unsupported, file: "", path: path, message: message)
    }
    static func data(_ kind: Kind = .data, path: String = "", _ message: String) -> VegaLiteError {
        VegaLiteError(kind: kind, file: "", path: path, message: message)
    }

    func inFile(_ file: String) -> VegaLiteError {
        var copy = self
        if copy.file.isEmpty { copy.file = file }
        return copy
    }
}
