/// A param a stage kind takes: its name, type and range, checked before anything runs so that a
/// typo (`stpes: 10`) or a wrong type fails `make --dry-run` at the pipeline file's line.
public struct ParamSpec: Sendable {
    public enum ValueType: Sendable {
        case int(ClosedRange<Int>)
        case number(ClosedRange<Double>)
        case bool
        case string
        /// Any value; a further check (`StageRunner.validate`) may look closer.
        case any
    }

    public var name: String
    public var type: ValueType

    public init(_ name: String, _ type: ValueType) {
        self.name = name
        self.type = type
    }

    /// Why `value` does not fit, or nil.
    public func problem(with value: ParamValue) -> String? {
        switch (type, value) {
        case (.int(let range), .int(let i)):
            return range.contains(i) ? nil : "param '\(name)' must be in \(range.lowerBound)...\(range.upperBound), found \(i)"
        case (.number(let range), .int(let i)) where range.contains(Double(i)): return nil
        case (.number(let range), .double(let d)):
            return range.contains(d) ? nil : "param '\(name)' must be in \(ParamValue.format(range.lowerBound))...\(ParamValue.format(range.upperBound)), found \(ParamValue.format(d))"
        case (.bool, .bool), (.string, .string), (.any, _): return nil
        case (.int, _): return "param '\(name)' must be an integer, found \(value.typeName)"
        case (.number, _): return "param '\(name)' must be a number, found \(value.typeName)"
        case (.bool, _): return "param '\(name)' must be true or false, found \(value.typeName)"
        case (.string, _): return "param '\(name)' must be a string, found \(value.typeName)"
        }
    }
}

