/// Where something was written: a pipeline file's line and column (1-based), or a command-line
/// argument when `line` is 0.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// Everything the engine reports to a user: what went wrong, where (file, line, column when the
/// cause is in a pipeline file) and what to do about it.
public struct PipelineError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        case syntax, unknownKey, wrongType, missingKey, invalidName, unknownVariable
        case missingStage, cycle, duplicateOutput, invalidOverride, invalidPath
        case noPipeline, unknownTarget, missingRunner, locked, io, corruptLock
        /// A limit on work or size (alias expansion, matrix products) was crossed.
        case tooLarge
    }

    public var code: Code
    public var location: SourceLocation?
    public var message: String
    public var hint: String?

    public init(_ code: Code, at location: SourceLocation?, _ message: String, hint: String? = nil) {
        self.code = code
        self.location = location
        self.message = message
        self.hint = hint
    }

    public var description: String {
        var text = location.map { "\($0): error: " } ?? "error: "
        text += message
        if let hint { text += "\n  hint: " + hint }
        return text
    }
}

/// A value with the place it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}
