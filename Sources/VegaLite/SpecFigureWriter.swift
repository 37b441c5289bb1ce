import AtomicFiles
import Plot

/// Draws a spec to PREFIX.png, PREFIX.pdf, PREFIX.svg, PREFIX.caption.txt (the caption from
/// the spec's `description`) and PREFIX.data.json (the data drawn), each written atomically. Everything is rendered in memory first,
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

    /// The image formats `write` can produce, by extension.
    public static let formats = ["png", "pdf", "svg"]

    /// `formats` limits the images to those asked for (a pipeline stage asks for its outputs').
    public static func write(spec path: String, prefix: String, style: Style = .standard,
                             formats: [String] = formats) throws -> Written {
        let spec = try VegaLiteSpec.load(path: path)
        let figure = try spec.figure(style: style)
        let findings = try Renderer.layout(figure).findings.map { "figure '\(path)': \($0)" }
        var files: [String] = []
        for ext in Self.formats where formats.contains(ext) {
            // The PNG's source tag names the spec by its file name: the same bytes from any folder.
            let bytes = switch ext {
            case "png": try Renderer.png(figure, source: "rederive vega-lite " + (path.split(separator: "/").last.map(String.init) ?? path))
            case "pdf": try Renderer.pdf([figure])
            default: try Renderer.svg(figure)
            }
            try AtomicFile.write(bytes, to: prefix + "." + ext)
            files.append(prefix + "." + ext)
        }
        if let caption = spec.description {
            try AtomicFile.write(Array((caption + "\n").utf8), to: prefix + ".caption.txt")
            files.append(prefix + ".caption.txt")
        }
        try FigureData(figure, caption: spec.description).write(to: prefix + FigureData.suffix)
        files.append(prefix + FigureData.suffix)
        return Written(files: files, dataFiles: spec.dataFiles, findings: findings)
    }
}
