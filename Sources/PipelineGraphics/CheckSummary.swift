import JSONQuoting
import Plot

/// What `check` and `diff` print: failures first, each with what moved in its data, then the
/// notes; or the same as one JSON object for scripts.
public enum CheckSummary {
    public typealias Comparison = ReproductionCheck.Comparison

    /// Terminal lines for the failures and the pixel-only passes, with up to `limit` changes
    /// each. A figure's changes are listed once, under its first file; its other files refer to them.
    public static func lines(_ comparisons: [Comparison], failure: String = "FAIL", limit: Int = 8) -> [String] {
        var lines: [String] = []
        var listed: [String: String] = [:]
        for c in comparisons {
            let pixelsOnly = if case .pixelsOnly = c.verdict { true } else { false }
            guard !c.passed || pixelsOnly else { continue }
            lines.append("\(c.passed ? "note" : failure) \(c.path): \(c.verdict.sentence)")
            if let data = c.dataFile, let first = listed[data] {
                lines.append("    (what moved in the data is listed under \(first))")
                continue
            }
            if let data = c.dataFile { listed[data] = c.path }
            lines += c.changes.prefix(limit).map { "    " + $0 }
            if c.changes.count > limit { lines.append("    … and \(c.changes.count - limit) more (all in the report)") }
        }
        return lines
    }

    /// One JSON object: the verdict, the file set, notes, and every file with its changes.
    public static func json(passed: Bool, mode: String, fileSet: String, notes: [String], comparisons: [Comparison],
                            report: String?) -> String {
        var files: [String] = []
        for c in comparisons {
            let rms = c.rms.map { FigureData.number($0) } ?? "null"
            files.append("{\"path\": \(jsonQuoted(c.path)), \"passed\": \(c.passed), \"result\": \(jsonQuoted(c.verdict.sentence)), "
                + "\"rms\": \(rms), \"changes\": [\(c.changes.map(jsonQuoted).joined(separator: ", "))]}")
        }
        let failed = comparisons.filter { !$0.passed }.count
        return "{\"passed\": \(passed), \"mode\": \(jsonQuoted(mode)), \"compared\": \(comparisons.count), \"failed\": \(failed), "
            + "\"file_set\": \(jsonQuoted(fileSet)), \"notes\": [\(notes.map(jsonQuoted).joined(separator: ", "))], "
            + "\"report\": \(report.map(jsonQuoted) ?? "null"),\n \"files\": [\n  " + files.joined(separator: ",\n  ") + "\n ]}"
    }
}
