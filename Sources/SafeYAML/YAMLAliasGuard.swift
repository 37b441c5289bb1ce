// libyaml, as Yams builds it. This module does not name it as a dependency (SwiftPM offers only
// Yams' product), but a dependency's C module is visible to its dependents: this reads the
// same bytes with the same parser Yams uses, one event at a time.
import CYaml
import Spelling

/// Refuses YAML whose aliases expand beyond a limit, before Yams composes it.
///
/// An alias (`*a`) stands for the whole node its anchor (`&a`) names, so ten lines of aliases of
/// aliases stand for a billion nodes ("billion laughs"). Yams shares the aliased node, but
/// anything that walks the tree (our reading of `params:`, Yams' own check for duplicate keys,
/// which hashes a key node whole) walks every expanded copy: 40 s and 9 GB for one such
/// `params:`. This scan reads the parser's events, which are as many as the file's nodes,
/// sizes each anchored node once, and counts what each alias adds, so its work is linear in the
/// file whatever the aliases say. A file without both `&` and `*` is not scanned. Every reader
/// of a YAML file a user gives (pipelines, training configs, Vega-Lite specs) asks it first.
public enum YAMLAliasGuard {
    /// At most this many alias uses in a file.
    public static let maximumAliases = 10_000
    /// At most this many nodes and scalar bytes added by aliases altogether. Reading a million
    /// of them into param values takes a fraction of a second and some tens of MB; a pipeline
    /// that needs more should write its values out.
    public static let maximumExpandedSize = 1_000_000

    /// Where the file's aliases cross a limit, and what to do, or nil. Syntax errors are left to
    /// Yams, which reports them with more context.
    public static func problem(in yaml: String) -> Problem? {
        guard yaml.utf8.contains(UInt8(ascii: "&")), yaml.utf8.contains(UInt8(ascii: "*")) else { return nil }
        var text = yaml
        guard let failure = text.withUTF8({ bytes in scan(bytes) }) else { return nil }
        let what = failure.aliases > maximumAliases
            ? "more than \(maximumAliases.grouped) alias uses"
            : "aliases that expand to more than \(maximumExpandedSize.grouped) nodes and bytes"
        return Problem(line: failure.line, column: failure.column, message: "the YAML has \(what) (an alias bomb?)",
                       hint: "write the values out, or use fewer nested aliases (`*name` repeats the node `&name` marks)")
    }

    /// An alias that crossed a limit: where (1-based), and what to say.
    public struct Problem: Equatable, Sendable {
        public var line: Int
        public var column: Int
        public var message: String
        public var hint: String
    }

    private struct Failure {
        var line: Int
        var column: Int
        var aliases: Int
    }

    /// One open collection: its anchor and its expanded size so far.
    private struct Frame {
        var anchor: String?
        var size: Int
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Failure? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
        var sizes = [String: Int]()
        var stack = [Frame(anchor: nil, size: 0)]
        var aliases = 0, expanded = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            var finished: (anchor: String?, size: Int)?
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                finished = (name(event.data.scalar.anchor), 1 + event.data.scalar.length)
            case YAML_SEQUENCE_START_EVENT:
                stack.append(Frame(anchor: name(event.data.sequence_start.anchor), size: 1))
            case YAML_MAPPING_START_EVENT:
                stack.append(Frame(anchor: name(event.data.mapping_start.anchor), size: 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                if stack.count > 1, let frame = stack.popLast() { finished = (frame.anchor, frame.size) }
            case YAML_ALIAS_EVENT:
                let size = name(event.data.alias.anchor).flatMap { sizes[$0] } ?? 1
                aliases += 1
                expanded += size
                if aliases > maximumAliases || expanded > maximumExpandedSize {
                    return Failure(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1, aliases: aliases)
                }
                finished = (nil, size)
            default:
                break
            }
            if let (anchor, size) = finished {
                if let anchor { sizes[anchor] = size }
                // Capped: a size only needs to show that a limit was crossed.
                stack[stack.count - 1].size = min(stack[stack.count - 1].size + size, maximumExpandedSize + 1)
            }
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
