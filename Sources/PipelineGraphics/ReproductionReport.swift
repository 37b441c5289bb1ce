import Pipeline
import Foundation
import Plot

/// The HTML page `rederive check` and `rederive diff` write: a summary line, which files were
/// compared and why, then one entry per file, failures first, each with what moved in its data
/// and, for a mismatch, the baseline | new | difference image scaled to the window. One file,
/// no scripts or remote resources: it works offline.
enum ReproductionReport {
    static func html(_ result: ReproductionCheck.Result, pipeline: String, options: ReproductionCheck.Options) -> String {
        let mode = options.exact ? "exact" : options.dataOnly ? "data (rtol \(options.relativeTolerance), atol \(options.absoluteTolerance))"
            : "tolerant (RMS ≤ \(options.tolerance))"
        let build = result.buildFailure.map { "<p class=\"fail\">The regeneration failed: \(Markup.escape($0))</p>\n" } ?? ""
        return page(title: "rederive check: \(pipeline)", mode: mode, fileSet: result.fileSet, notes: result.notes,
                    comparisons: result.comparisons, preface: build,
                    legend: "For each figure that differs: the committed image, the regenerated one, and their difference amplified ten times (red), side by side.")
    }

    static func page(title: String, mode: String, fileSet: String, notes: [String], comparisons: [ReproductionCheck.Comparison],
                     preface: String = "", legend: String, failure: String = "FAIL") -> String {
        let failed = comparisons.filter { !$0.passed }.count
        let summary = failed == 0 ? "All \(comparisons.count) files agree." : "\(failed) of \(comparisons.count) files differ."
        var entries = ""
        for c in comparisons {
            let css = c.passed ? "pass" : "fail"
            let rms = c.verdict.sentence.contains("RMS") ? "" : c.rms.map { String(format: " · RMS %.3f", $0) } ?? ""
            entries += "<section class=\"\(css)\"><h2><span class=\"badge\">\(c.passed ? "pass" : failure)</span> <code>\(Markup.escape(c.path))</code></h2>\n"
            entries += "<p>\(Markup.escape(c.verdict.sentence))\(rms)</p>\n"
            if !c.changes.isEmpty {
                entries += "<ol class=\"changes\">" + c.changes.map { "<li>\(Markup.escape($0))</li>" }.joined() + "</ol>\n"
            }
            if !c.images.isEmpty {
                let captions = c.images.count == 3 ? ["baseline", "new", "difference ×10"] : ["old data in grey under the new (a heatmap: old, then new)"]
                entries += "<div class=\"images\">" + zip(c.images, captions).map { image, caption in
                    "<figure><a href=\"\(Markup.escape(image))\"><img src=\"\(Markup.escape(image))\" alt=\"\(caption) of \(Markup.escape(c.path))\"></a><figcaption>\(caption)</figcaption></figure>"
                }.joined() + "</div>\n"
            }
            entries += "</section>\n"
        }
        let noteList = notes.map { "<p class=\"note\">\(Markup.escape($0))</p>\n" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Markup.escape(title))</title>
        <style>
        body { font-family: sans-serif; margin: 1.5em auto; max-width: 76em; padding: 0 1em; }
        section { border-top: 1px solid #ccc; padding: 0.4em 0; }
        h2 { font-size: 1em; margin: 0.3em 0; overflow-wrap: anywhere; }
        section.pass .badge { color: #1a7f37; }
        section.fail .badge, p.fail, p.summary.fail { color: #cf222e; font-weight: bold; }
        p, li { overflow-wrap: anywhere; }
        p.note { color: #6e5000; }
        div.images { display: flex; flex-wrap: wrap; gap: 0.5em; }
        figure { margin: 0; flex: 1 1 22em; min-width: 0; }
        figcaption { font-size: 0.85em; color: #555; }
        img { max-width: 100%; height: auto; display: block; }
        </style>
        </head>
        <body>
        <h1>\(Markup.escape(title))</h1>
        <p class="summary\(failed == 0 ? "" : " fail")">\(summary)</p>
        <p>Mode \(Markup.escape(mode)); compared \(Markup.escape(fileSet)). \(Markup.escape(legend))</p>
        \(noteList)\(preface)\(entries)</body>
        </html>

        """
    }
}
