import AtomicFiles
import Plot

/// Draws a spec to PREFIX.png, PREFIX.pdf, PREFIX.svg, PREFIX.caption.txt (the caption from
/// the spec's `description`, if it has one) and PREFIX.data.json (the data drawn), each written atomically. Everything is rendered in memory first,
/// so bad input writes nothing.
public enum SpecFigureWriter {
    public struct Written: Sendable {
        public var files: [String]
        public var dataFiles: [String]
        public var findings: [String]
    }

    /// Whether a figure argument names a spec rather than a recipe.
    public static func isSpec(_ argument: String) -> Bool {
        let lower = argument.lowercased()
        return lower.hasSuffix(".json") || lower.hasSuffix(".yaml") || lower.hasSuffix(".yml")
    }

    /// What `make` and `figure` warn about in a laid-out spec: the layout audit's findings, and
    /// each category axis whose names the layout had to thin to keep them apart (a reader then
    /// cannot name every bar or row).
    public static func warnings(_ layout: FigureLayout, path: String) -> [String] {
        var out = layout.findings.map { "figure '\(path)': \($0)" }
        for (index, p) in layout.panels.enumerated() {
            for (axis, spec, shown) in [("x", p.panel.xTicks, p.x.tickLabels.count), ("y", p.panel.yTicks, p.y.tickLabels.count)] {
                guard case .fixed(let ticks) = spec else { continue }
                let named = ticks.filter { !$0.label.isEmpty }
                // Thinned numbers still read as a scale; thinned names are lost.
                guard shown > 0, shown < named.count, named.contains(where: { Double($0.label.replacingOccurrences(of: ",", with: "")) == nil }) else { continue }
                out.append("figure '\(path)': the \(axis) axis of view \(index + 1) names \(shown) of its \(named.count) categories (the layout "
                           + "thinned the rest to keep labels apart); a larger view, e.g. \"\(axis == "x" ? "width" : "height")\": {\"step\": 20}, names them all")
            }
        }
        return out
    }

    /// Writes the files of `files` (all by default); a pipeline stage asks for exactly those
    /// it declares.
    public static func write(spec path: String, prefix: String, style: Style = .standard,
                             files kinds: [FigureFile] = FigureFile.allCases) throws -> Written {
        let spec = try VegaLiteSpec.load(path: path)
        let figure = try spec.figure(style: style)
        let findings = warnings(try Renderer.layout(figure), path: path)
        var files: [String] = []
        for kind in FigureFile.allCases where kinds.contains(kind) {
            let bytes: [UInt8]
            switch kind {
            // The PNG's source tag names the spec by its file name: the same bytes from any folder.
            case .png: bytes = try Renderer.png(figure, source: "rederive vega-lite " + (path.split(separator: "/").last.map(String.init) ?? path))
            case .pdf: bytes = try Renderer.pdf([figure])
            case .svg: bytes = try Renderer.svg(figure)
            case .caption:
                guard let caption = spec.description else { continue }
                bytes = Array((caption + "\n").utf8)
            case .data: bytes = Array(try FigureData(figure, caption: spec.description).canonicalJSON.utf8)
            }
            try AtomicFile.write(bytes, to: prefix + kind.suffix)
            files.append(prefix + kind.suffix)
        }
        return Written(files: files, dataFiles: spec.dataFiles, findings: findings)
    }
}
