import AtomicFiles
import Foundation
import Plot

/// A Vega-Lite spec (JSON or YAML) with its data loaded: the input of a figure.
///
///     let spec = try VegaLiteSpec.load(path: "figures/loss.vl.json")
///     let figure = try spec.figure(style: .standard)
///
/// Translation is a pure function of the spec and its tables; anything outside the supported
/// subset is an error naming its JSON path, never a chart drawn differently.
public struct VegaLiteSpec: Sendable {
    /// The spec's path as given (errors name it).
    public let path: String
    /// Data files the spec read, relative to its folder, in first-read order.
    public let dataFiles: [String]
    /// The spec's `description`, used as the figure's caption.
    public let description: String?
    /// The spec's title text, if any.
    public let title: String?
    let root: JSON
    let folder: String
    /// The translated panels: a pure function of the spec and its data, made once at load.
    let block: Composer.Block
    let config: VegaConfig

    public static func load(path: String) throws(VegaLiteError) -> VegaLiteSpec {
        let text = try text(at: path)
        let folder = (path as NSString).deletingLastPathComponent
        do throws(VegaLiteError) {
            return try parse(text, path: path, folder: folder.isEmpty ? "." : folder)
        } catch {
            throw error.inFile(path)
        }
    }

    /// A spec from text; data URLs resolve against `folder`. Reads the data now, so that a
    /// missing file is reported at load time and `dataFiles` is complete.
    public static func parse(_ text: String, path: String = "<spec>", folder: String = ".") throws(VegaLiteError) -> VegaLiteSpec {
        do throws(VegaLiteError) {
            let root = try tree(text, path: path)
            guard root.object != nil else { throw VegaLiteError.spec(path: "/", "a spec must be an object") }
            if let schema = root["$schema"]?.string, !(schema.contains("/v5") || schema.contains("/v6")) {
                throw VegaLiteError.unsupported(path: "/$schema", "only Vega-Lite v5 and v6 specs are supported ('\(schema)')")
            }
            let loader = DataLoader(baseFolder: folder)
            let config = try VegaConfig.parse(Node(root)["config"])
            let block = try Composer(loader: loader, config: config).block(Node(root), Composer.Context())
            return VegaLiteSpec(path: path, dataFiles: loader.files, description: root["description"]?.string,
                                title: Self.titleText(root["title"]), root: root, folder: folder, block: block, config: config)
        } catch {
            throw error.inFile(path)
        }
    }

    /// Room for the legends outside the views: a column beside a view (left or right) or about
    /// two lines of entries above or below it, summed over the grid's columns and rows.
    func legendRoom(_ grid: [[Panel]]) -> (width: Double, height: Double) {
        var columns: [Int: Double] = [:], rows: [Int: Double] = [:]
        for (r, row) in grid.enumerated() {
            for (c, panel) in row.enumerated() where panel.marks.contains(where: \.isLegendOnly) || panel.colorbar != nil {
                switch panel.legend {
                case .outsideAbove, .outsideBelow: rows[r] = 40
                case .outsideRight, .outsideLeft: columns[c] = 120
                default: break
                }
            }
        }
        return (columns.values.reduce(0, +), rows.values.reduce(0, +))
    }

    static func titleText(_ t: JSON?) -> String? {
        guard let t else { return nil }
        if let s = t.string { return s }
        if let parts = t.array?.compactMap(\.string) { return parts.joined(separator: " ") }
        if let text = t["text"] {
            // A subtitle is drawn as the title's second line.
            return ([titleText(text)] + [t["subtitle"].flatMap { titleText($0) }]).compactMap { $0 }.joined(separator: "\n")
        }
        return nil
    }

    /// The figure in `style` (Rederive's publication style), with the spec's `config` sizes
    /// and colours winning. At 72 dpi one Vega pixel is one point.
    public func figure(style: Style = .standard, dpi: Double = 72) throws(VegaLiteError) -> Figure {
        do throws(VegaLiteError) {
            var s = try config.style(style)
            s.palette = Palette(Schemes.palette("tableau10") ?? [config.markColor])
            let columns = block.grid.map(\.count).max() ?? 1, rows = block.grid.count
            // Each column as wide as its widest view and each row as tall as its tallest (Vega
            // pixels; one point each at 72 dpi), with room for axes around each view; the
            // layout fits the decorations around them. Facets share their axes (drawn once per
            // row and column); concatenated views each have their own. Panel titles (facet
            // headers) take a line per row.
            var widths = [Double](repeating: 0, count: columns), heights = [Double](repeating: 0, count: rows)
            for (r, row) in block.grid.enumerated() {
                for (c, panel) in row.enumerated() {
                    widths[c] = max(widths[c], panel.plotSize?.width ?? 0)
                    heights[r] = max(heights[r], panel.plotSize?.height ?? 0)
                }
            }
            let axisColumns = block.shared ? 1.0 : Double(columns), axisRows = block.shared ? 1.0 : Double(rows)
            let titled = block.grid.contains { $0.contains { $0.title != nil } }
            let room = legendRoom(block.grid)
            // Rows laid out on their own are as wide as the widest row's views.
            let rowWidths = block.grid.map { row in row.reduce(0) { $0 + ($1.plotSize?.width ?? 0) + 12 + 70 } }
            let width = (block.alignsColumns ? widths.reduce(0, +) + Double(columns) * 12 + axisColumns * 70 : rowWidths.max() ?? 0)
                + room.width + 10
            let height = heights.reduce(0, +) + Double(rows) * (12 + (titled ? 20 : 0)) + axisRows * 78 + room.height
                + (title != nil ? 30 : 0) + 10
            let lines = ([title].compactMap { $0 } + block.headers).map(Markup.escape)
            var figure = Figure(size: .points(width, height + Double(block.headers.count) * 18), dpi: dpi, style: s,
                                suptitle: lines.isEmpty ? nil : lines.joined(separator: "\n"),
                                sharedX: block.shared, sharedY: block.shared, grid: block.grid)
            figure.alignsColumns = block.alignsColumns
            figure.caption = nil
            return figure
        } catch {
            throw error.inFile(path)
        }
    }
}

extension Mark {
    /// A legend entry with no data (see `Legends`).
    var legendLabel: String? {
        switch kind {
        case .symbols(let m): return m.label
        case .rects(let m): return m.label
        case .line(let m): return m.label
        default: return nil
        }
    }

    var isLegendOnly: Bool {
        switch kind {
        case .symbols(let m): return m.x.isEmpty && m.label != nil
        case .rects(let m): return m.x0.isEmpty && m.label != nil
        case .line(let m): return m.x.isEmpty && m.label != nil
        default: return false
        }
    }
}
