/// `${...}` substitution in params, paths and commands.
///
/// Lookup goes innermost first: the stage's matrix values, then (for inputs, outputs and
/// commands) the stage's own params, then the built-ins `name`, `stage` and `artifacts`, then the
/// pipeline params by dotted path (`${train.lr}`). A string that is exactly one `${x}` takes
/// x's value with its type (so `${seeds}` can be a list); otherwise values are spliced in as text.
/// `$${` writes a literal `${`.
struct InterpolationScope {
    var matrix: [String: ParamValue] = [:]
    var stageParams: [String: ParamValue]? = nil
    var builtins: [String: ParamValue] = [:]
    var pipelineParams: [String: ParamValue] = [:]

    func lookup(_ name: String) -> ParamValue? {
        if let v = matrix[name] { return v }
        if let params = stageParams, let v = ParamPath.lookup(name, in: params) { return v }
        if let v = builtins[name] { return v }
        return ParamPath.lookup(name, in: pipelineParams)
    }

    func knownNames() -> [String] {
        var names = Array(matrix.keys) + Array(builtins.keys) + Array(pipelineParams.keys)
        if let stageParams { names += stageParams.keys }
        return Array(Set(names)).sorted()
    }

    func interpolate(_ text: String, at location: SourceLocation) throws(PipelineError) -> ParamValue {
        guard text.contains("$") else { return .string(text) }
        let scalars = Array(text.unicodeScalars)
        // Exactly one reference: keep its type.
        if scalars.count > 3, scalars[0] == "$", scalars[1] == "{", scalars.last == "}",
           !scalars[2..<(scalars.count - 1)].contains("}"), !scalars[2..<(scalars.count - 1)].contains("$") {
            let name = String(String.UnicodeScalarView(scalars[2..<(scalars.count - 1)]))
            return try resolve(name, at: location)
        }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "$", i + 2 < scalars.count, scalars[i + 1] == "$", scalars[i + 2] == "{" {
                out.append("$"); out.append("{"); i += 3; continue
            }
            if scalars[i] == "$", i + 1 < scalars.count, scalars[i + 1] == "{" {
                guard let close = scalars[(i + 2)...].firstIndex(of: "}") else {
                    throw PipelineError(.syntax, at: location, "unterminated `${` in '\(text)'", hint: "close it with `}` or write `$${` for a literal")
                }
                let name = String(String.UnicodeScalarView(scalars[(i + 2)..<close]))
                out.append(contentsOf: try resolve(name, at: location).text.unicodeScalars)
                i = close + 1
                continue
            }
            out.append(scalars[i])
            i += 1
        }
        return .string(String(out))
    }

    func interpolateString(_ text: String, at location: SourceLocation) throws(PipelineError) -> String {
        try interpolate(text, at: location).text
    }

    /// Interpolates every string inside a value.
    func interpolate(value: ParamValue, at location: SourceLocation) throws(PipelineError) -> ParamValue {
        switch value {
        case .string(let s): return try interpolate(s, at: location)
        case .list(let items):
            var out = [ParamValue]()
            for item in items { out.append(try interpolate(value: item, at: location)) }
            return .list(out)
        case .map(let map):
            var out = [String: ParamValue]()
            for (k, v) in map { out[k] = try interpolate(value: v, at: location) }
            return .map(out)
        default: return value
        }
    }

    private func resolve(_ name: String, at location: SourceLocation) throws(PipelineError) -> ParamValue {
        let trimmed = name.trimmingSpaces
        if let value = lookup(trimmed) { return value }
        throw PipelineError(.unknownVariable, at: location, "unknown variable '${\(trimmed)}'",
                            hint: "known here: \(knownNames().joined(separator: ", "))")
    }
}

/// Dotted paths into nested param maps: `train.lr`.
enum ParamPath {
    static func lookup(_ path: String, in params: [String: ParamValue]) -> ParamValue? {
        if let direct = params[path] { return direct }
        var current = ParamValue.map(params)
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .map(let map) = current, let next = map[String(part)] else { return nil }
            current = next
        }
        return current
    }

    static func set(_ path: [String], to value: ParamValue, in params: inout [String: ParamValue]) {
        guard let first = path.first else { return }
        if path.count == 1 { params[first] = value; return }
        var inner = params[first]?.mapValue ?? [:]
        set(Array(path.dropFirst()), to: value, in: &inner)
        params[first] = .map(inner)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
