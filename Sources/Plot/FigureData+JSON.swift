import JSONQuoting

/// The canonical bytes of a data file: keys in one fixed order, two-space indents, each array of
/// numbers on one line, numbers in their shortest round-trip spelling (Swift's, which is the same
/// on every machine), NaN and infinities as the strings "NaN", "Infinity" and "-Infinity".
extension FigureData {
    public var canonicalJSON: String {
        var out = "{\n  \"format\": \(jsonQuoted(Self.format)),\n"
        out += "  \"suptitle\": \(Self.quoted(suptitle)),\n"
        out += "  \"caption\": \(Self.quoted(caption)),\n"
        out += "  \"caption_numbers\": \(Self.numbers(captionNumbers)),\n"
        out += "  \"panels\": ["
        for (i, panel) in panels.enumerated() {
            out += (i == 0 ? "\n" : ",\n") + panel.json
        }
        out += panels.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    /// Writes the canonical bytes to `path`, atomically.
    public func write(to path: String) throws(PlotError) {
        try AtomicWrite.write(Array(canonicalJSON.utf8), to: path)
    }

    static func quoted(_ text: String?) -> String { text.map(jsonQuoted) ?? "null" }

    static func numbers(_ values: [Double]) -> String {
        "[" + values.map(number).joined(separator: ", ") + "]"
    }

    /// Shortest round-trip spelling: integers without a point ("3", "-0"); a value that is
    /// exactly a Float32 (most analysis outputs) in the shortest spelling that gives that Float32
    /// back, which halves the file; any other as the shortest that gives the Double back. Swift
    /// prints both, with the exponent trimmed here ("1e-05" → "1e-5", "1e+16" → "1e16").
    public static func number(_ v: Double) -> String {
        if v.isNaN { return "\"NaN\"" }
        if v.isInfinite { return v > 0 ? "\"Infinity\"" : "\"-Infinity\"" }
        if v == v.rounded(.towardZero) && abs(v) < 1e15 {
            return v == 0 && v.sign == .minus ? "-0" : String(Int64(v))
        }
        let single = Float(v)
        let text = Double(single) == v && single.isFinite ? single.description : v.description
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return text }
        var mantissa = String(text[..<e]), exponent = String(text[text.index(after: e)...])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        let negative = exponent.hasPrefix("-")
        exponent = String(exponent.drop { $0 == "+" || $0 == "-" || $0 == "0" })
        return mantissa + "e" + (negative ? "-" : "") + (exponent.isEmpty ? "0" : exponent)
    }
}

extension PanelData {
    var json: String {
        var out = "    {\n      \"row\": \(row),\n      \"column\": \(column),\n      \"title\": \(FigureData.quoted(title)),\n"
        out += "      \"x\": \(x.json),\n      \"y\": \(y.json),\n      \"marks\": ["
        for (i, mark) in marks.enumerated() {
            out += (i == 0 ? "\n" : ",\n") + mark.json
        }
        return out + (marks.isEmpty ? "]\n    }" : "\n      ]\n    }")
    }
}

extension AxisData {
    var json: String {
        "{\"label\": \(FigureData.quoted(label)), \"scale\": \(jsonQuoted(scale)), \"limits\": \(FigureData.numbers([lower, upper]))}"
    }
}

extension MarkData {
    var json: String {
        var lines = ["\"kind\": \(jsonQuoted(kind))", "\"label\": \(FigureData.quoted(label))"]
        if let text { lines.append("\"text\": \(jsonQuoted(text))") }
        for array in arrays {
            let values = FigureData.numbers(array.values)
            lines.append(jsonQuoted(array.name) + ": " + (array.shape.count == 1 ? values
                : "{\"shape\": [\(array.shape.map(String.init).joined(separator: ", "))], \"values\": \(values)}"))
        }
        return "        {\n" + lines.map { "          " + $0 }.joined(separator: ",\n") + "\n        }"
    }
}
