import SafeYAML
import Yams

/// Reads a spec's text, JSON or YAML, through Yams (JSON is YAML's flow style), so both forms
/// work and a syntax error reports its line and column.
enum SpecParser {
    static func parse(_ text: String) throws(VegaLiteError) -> JSON {
        if let bomb = YAMLAliasGuard.problem(in: text) {
            throw VegaLiteError(kind: .malformed, file: "", path: "",
                                message: "line \(bomb.line), column \(bomb.column): \(bomb.message); \(bomb.hint)")
        }
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw VegaLiteError(kind: .malformed, file: "", path: "", message: describe(error))
        } catch {
            throw VegaLiteError(kind: .malformed, file: "", path: "", message: "\(error)")
        }
        guard let root else { throw VegaLiteError(kind: .malformed, file: "", path: "", message: "the spec is empty") }
        return try convert(root)
    }

    /// "line L, column C: problem", without Yams's echo of the source line.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let ctx = context.map { " (\($0.text))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(ctx)"
        case let .duplicatedKeysInMapping(duplicates, context):
            return "duplicated keys \(duplicates.joined(separator: ", ")) \(context.mark.line):\(context.mark.column)"
        default:
            return "\(error)"
        }
    }

    static func convert(_ node: Yams.Node) throws(VegaLiteError) -> JSON {
        switch node {
        case .scalar(let s):
            return scalar(s)
        case .sequence(let seq):
            var out: [JSON] = []
            out.reserveCapacity(seq.count)
            for item in seq { out.append(try convert(item)) }
            return .array(out)
        case .mapping(let map):
            var out: [(key: String, value: JSON)] = []
            for (k, v) in map {
                guard case .scalar(let key) = k else {
                    throw VegaLiteError(kind: .malformed, file: "", path: "", message: "line \(k.mark?.line ?? 0): keys must be strings")
                }
                out.append((key.string, try convert(v)))
            }
            return .object(out)
        case .alias:
            throw VegaLiteError(kind: .malformed, file: "", path: "", message: "line \(node.mark?.line ?? 0): YAML aliases are not supported")
        }
    }

    /// Quoted scalars are strings; plain ones resolve as JSON would (null, true/false, numbers).
    static func scalar(_ s: Yams.Node.Scalar) -> JSON {
        guard s.style == .plain else { return .string(s.string) }
        let text = s.string
        switch text {
        case "null", "~", "": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        if let n = NumberParser.parse(text) { return .number(n) }
        return .string(text)
    }
}
