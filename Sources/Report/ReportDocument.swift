import Foundation
import Plot
import Tensor

/// The report as one self-contained HTML page (images inline as base64 PNG, styles inline, no
/// scripts, nothing fetched) and the same content as a multi-page PDF.
public struct ReportDocument {
    public var title: String
    public var subtitle: String
    public var findings: [Finding]
    public var notes: [String]
    public var sections: [ReportSection]

    public init(title: String, subtitle: String, findings: [Finding], notes: [String], sections: [ReportSection]) {
        self.title = title; self.subtitle = subtitle; self.findings = findings; self.notes = notes; self.sections = sections
    }

    /// The page's bytes.
    public func html() throws -> [UInt8] {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title))</title>
            <style>
            body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; max-width: 1280px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
            h1 { margin-bottom: 0.2em; } .subtitle { color: #555; margin-top: 0; }
            ol.findings li { margin: 0.35em 0; } .notes { color: #666; font-size: 0.9em; }
            section { margin-top: 2.5em; border-top: 1px solid #ddd; padding-top: 0.5em; }
            img { max-width: 100%; height: auto; display: block; margin: 0.8em 0; }
            .caption { color: #333; font-size: 0.95em; } nav a { margin-right: 1em; white-space: nowrap; }
            </style></head><body>
            <h1>\(Self.escape(title))</h1>
            <p class="subtitle">\(Self.escape(subtitle))</p>

            """
        if !notes.isEmpty {
            page += "<p class=\"notes\">" + notes.map(Self.escape).joined(separator: "<br>") + "</p>\n"
        }
        page += "<h2>What sticks</h2>\n<ol class=\"findings\">\n"
        for finding in findings { page += "<li>\(Self.escape(finding.sentence))</li>\n" }
        page += "</ol>\n<p class=\"notes\">\(Self.escape(Self.rankingRule))</p>\n<nav>"
        for (index, section) in sections.enumerated() { page += "<a href=\"#s\(index)\">\(Self.escape(section.title))</a> " }
        page += "</nav>\n"
        for (index, section) in sections.enumerated() {
            let png = try Renderer.png(section.figure, source: "rederive report: \(section.title)")
            let size = try section.figure.pixelSize()
            page += """
                <section id="s\(index)"><h2>\(Self.escape(section.title))</h2>
                <p>\(Self.escape(section.explanation))</p>
                <img alt="\(Self.escape(section.title))" width="\(size.width)" height="\(size.height)" src="data:image/png;base64,\(Data(png).base64EncodedString())">

                """
            if !section.caption.isEmpty { page += "<p class=\"caption\">\(Self.escape(section.caption))</p>\n" }
            page += "</section>\n"
        }
        page += "</body></html>\n"
        return Array(page.utf8)
    }

    /// The PDF's bytes: a first page with the findings, then one page per section.
    public func pdf() throws -> [UInt8] {
        var marks: [Mark] = [.text("<b>\(Markup.escape(title))</b>", x: 0.02, y: 0.97, anchor: .topLeft, size: 18)]
        var y = 0.9
        for line in Self.wrap(subtitle, width: 150) {
            marks.append(.text(Markup.escape(line), x: 0.02, y: y, anchor: .topLeft, size: 9))
            y -= 0.03
        }
        for note in notes {
            for line in Self.wrap(note, width: 160) {
                marks.append(.text(Markup.escape(line), x: 0.02, y: y, anchor: .topLeft, color: .gray(0.4), size: 8))
                y -= 0.028
            }
        }
        marks.append(.text("<b>What sticks</b>", x: 0.02, y: y - 0.02, anchor: .topLeft, size: 13))
        y -= 0.08
        for (index, finding) in findings.enumerated() {
            for (lineIndex, line) in Self.wrap("\(index + 1). \(finding.sentence)", width: 140).enumerated() {
                marks.append(.text(Markup.escape(lineIndex == 0 ? line : "    " + line), x: 0.02, y: y, anchor: .topLeft, size: 9.5))
                y -= 0.032
            }
            y -= 0.012
        }
        for line in Self.wrap(Self.rankingRule, width: 170) {
            marks.append(.text(Markup.escape(line), x: 0.02, y: y, anchor: .topLeft, color: .gray(0.4), size: 7))
            y -= 0.03
        }
        let titlePage = Figure(Panel(marks: marks, xLimits: 0...1, yLimits: 0...1, xTicks: .hidden, yTicks: .hidden, frame: false),
                               size: .inches(11, 8.5))
        var pages = [titlePage]
        for section in sections {
            var page = section.figure
            page.suptitle = Markup.escape(section.title)
            page.caption = Markup.escape(section.explanation + (section.caption.isEmpty ? "" : " " + section.caption))
            pages.append(page)
        }
        return try Renderer.pdf(pages, title: title)
    }

    /// The ranking rule, as the page states it (see `Finding`).
    static let rankingRule = "Ranking: each finding's salience is the size of its effect on its own 0-1 scale (a head's attention fraction; the probe R² gained over the embedding; an ablation's added loss over the uniform loss; the top component's share of |logit attribution|; a composition score; context facts at half weight); the most salient come first, at most 10."

    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Greedy word wrap at `width` characters.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines = [String](), line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
