/// Why a configuration could not be read. Every case names the file and, where known, the line,
/// and says what is accepted.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var message: String

    public init(source: String, line: Int? = nil, message: String) {
        self.source = source; self.line = line; self.message = message
    }

    public var description: String {
        "\(source)\(line.map { ":\($0)" } ?? ""): \(message)"
    }
}
