import Pipeline
import Foundation
import Plot

/// The HTML page `rederive check` writes: one row per committed file with its verdict, RMS and,
/// for a mismatch, the baseline | new | difference image.
enum ReproductionReport {
    static func html(_ result: ReproductionCheck.Result, pipeline: String, options: ReproductionCheck.Options) -> String {
        let failed = result.comparisons.filter { !$0.passed }.count
        let mode = options.exact ? "exact" : "tolerant (RMS ≤ \(options.tolerance))"
        var rows = ""
        for c in result.comparisons {
            let (label, css): (String, String) = switch c.verdict {
            case .match: ("identical", "pass")
            case .withinTolerance: ("within tolerance", "pass")
            case .differs(let why): ("differs: \(why)", "fail")
            case .missingBaseline: ("missing: no committed file", "fail")
            case .missingRegenerated: ("missing: not regenerated", "fail")
            case .unreadable(let why): ("unreadable: \(why)", "fail")
            }
            let rms = c.rms.map { String(format: "%.3f", $0) } ?? "–"
            let image = c.diffImage.map { "<a href=\"\(Markup.escape($0))\"><img src=\"\(Markup.escape($0))\" alt=\"baseline, new and difference of \(Markup.escape(c.path))\"></a>" } ?? ""
            rows += "<tr class=\"\(css)\"><td><code>\(Markup.escape(c.path))</code></td><td>\(css == "pass" ? "pass" : "FAIL")</td><td>\(Markup.escape(label))</td><td>\(rms)</td><td>\(image)</td></tr>\n"
        }
        let build = result.buildFailure.map { "<p class=\"fail\">The regeneration failed: \(Markup.escape($0))</p>\n" } ?? ""
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>rederive check: \(Markup.escape(pipeline))</title>
        <style>
        body { font-family: sans-serif; margin: 2em; }
        table { border-collapse: collapse; }
        td, th { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        tr.pass td:nth-child(2) { color: #1a7f37; }
        tr.fail td:nth-child(2), p.fail { color: #cf222e; font-weight: bold; }
        img { max-width: 60em; }
        </style>
        </head>
        <body>
        <h1>rederive check: \(Markup.escape(pipeline))</h1>
        <p>\(result.comparisons.count) files compared, \(failed) failed; mode \(Markup.escape(mode)). Difference images show the committed figure, the regenerated one, and their difference amplified ten times (red).</p>
        \(build)<table>
        <thead><tr><th>file</th><th>result</th><th>detail</th><th>RMS</th><th>baseline | new | difference</th></tr></thead>
        <tbody>
        \(rows)</tbody>
        </table>
        </body>
        </html>

        """
    }
}
