import Plot

/// Walks a spec's views (unit, layer, facet, repeat, concat) into a grid of Plot panels.
/// Layers share their scales and facets share theirs across cells (Vega-Lite's default
/// `resolve`); concatenated and repeated views each get their own.
/// https://vega.github.io/vega-lite/docs/composition.html
final class Composer {
    let loader: DataLoader
    let config: VegaConfig

    /// What a view inherits from its parent.
    struct Context {
        var table: DataTable?
        var encoding: [(key: String, node: Node)] = []
        var width: JSON?
        var height: JSON?
        var binding: [String: String] = [:]
        var mark: Node?
    }

    /// Panels in rows (each with its view's size as `plotSize`), plus whether they share axes (facets).
    struct Block: Sendable {
        var grid: [[Panel]]
        var shared = false
        /// False for concatenated rows of nested views: each row keeps its own columns.
        var alignsColumns = true
        /// Facet header titles (the faceted fields' titles), drawn under the figure's title.
        var headers: [String] = []
    }

    static let viewKeys: Set<String> = ["$schema", "data", "transform", "mark", "encoding", "layer", "facet", "spec",
                                        "repeat", "hconcat", "vconcat", "concat", "columns", "width", "height", "title",
                                        "description", "config", "name", "padding", "autosize", "background", "resolve",
                                        "usermeta", "view", "spacing", "align", "bounds", "center", "projection", "params",
                                        "selection", "datasets"]

    init(loader: DataLoader, config: VegaConfig) {
        self.loader = loader
        self.config = config
    }

    func block(_ node: Node, _ inherited: Context) throws(VegaLiteError) -> Block {
        var block = try viewBlock(node, inherited)
        // A nested view's title is its panel's title (the top level's is the figure's).
        if !node.path.isEmpty, let t = node["title"] {
            guard block.grid.count == 1, block.grid[0].count == 1 else {
                throw .unsupported(path: t.displayPath, "a title on a composed nested view is not supported")
            }
            block.grid[0][0].title = VegaLiteSpec.titleText(t.value).map(Markup.escape)
        }
        return block
    }

    func viewBlock(_ node: Node, _ inherited: Context) throws(VegaLiteError) -> Block {
        try node.allowOnly(Self.viewKeys, what: "view")
        for key in ["params", "selection", "projection", "datasets"] where node[key] != nil {
            throw .unsupported(path: node.path + "/" + key, "\(key) is not supported")
        }
        if let r = node["resolve"] { throw .unsupported(path: r.displayPath, "resolve is not supported (scales and axes are shared as Vega-Lite's defaults say)") }
        var ctx = inherited
        if let d = node["data"] { ctx.table = try loader.load(d) }
        if let t = node["transform"] {
            guard let table = ctx.table else { throw .spec(path: t.displayPath, "transforms need data") }
            ctx.table = try Transforms.apply(t, to: table)
        }
        if let w = node["width"] { ctx.width = w.value }
        if let h = node["height"] { ctx.height = h.value }
        if let f = node["facet"], let spec = node["spec"] { return try facet(f, spec: spec, columns: node["columns"]?.value.number, ctx) }
        if let r = node["repeat"], let spec = node["spec"] { return try repeatBlock(r, spec: spec, columns: node["columns"]?.value.number, ctx) }
        if let h = node["hconcat"] { return try concat(h.elements.map { [$0] }.flatMap { $0 }, columns: Double(h.elements.count), ctx) }
        if let v = node["vconcat"] { return try concat(v.elements, columns: 1, ctx) }
        if let c = node["concat"] { return try concat(c.elements, columns: node["columns"]?.value.number ?? Double(c.elements.count), ctx) }
        let units = try self.units(node, ctx)
        return try panels(units, ctx)
    }

    /// The units of a unit or layer view; the view's own data and transforms are already in
    /// `ctx` (each layer child's are applied here).
    func units(_ node: Node, _ ctx: Context, facetFields: [(String, ChannelDef)] = []) throws(VegaLiteError) -> [PreparedUnit] {
        var encoding = ctx.encoding
        if let e = node["encoding"] {
            for (k, v) in try e.object() {
                encoding.removeAll { $0.key == k }
                encoding.append((k, v))
            }
        }
        if let layers = node["layer"] {
            var child = ctx
            child.encoding = encoding
            var out: [PreparedUnit] = []
            for layer in layers.elements {
                try layer.allowOnly(Self.viewKeys, what: "layer")
                var grand = child
                if let d = layer["data"] { grand.table = try loader.load(d) }
                if let t = layer["transform"] {
                    guard let table = grand.table else { throw .spec(path: t.displayPath, "transforms need data") }
                    grand.table = try Transforms.apply(t, to: table)
                }
                out += try units(layer, grand, facetFields: facetFields)
            }
            return out
        }
        guard let markNode = node["mark"] else { throw .unsupported(path: node.displayPath, "a layer needs a mark") }
        guard let table = ctx.table else { throw .data(.emptyData, path: node.displayPath, "the layer has no data") }
        return [try PreparedUnit.prepare(mark: try MarkDef.parse(markNode), encoding: encoding, table: table, path: node.path,
                                         repeatBinding: ctx.binding, facetFields: facetFields)]
    }

    func requireRows(_ units: [PreparedUnit], path: String) throws(VegaLiteError) {
        if units.allSatisfy({ $0.table.count == 0 }) {
            throw .data(.emptyData, path: path.isEmpty ? "/" : path, "the data are empty after loading, filtering and dropping invalid values: nothing to draw")
        }
    }

    /// One panel, or a facet grid when the encoding has row/column/facet channels.
    func panels(_ units: [PreparedUnit], _ ctx: Context, columns: Double? = nil) throws(VegaLiteError) -> Block {
        try requireRows(units, path: units.first?.path ?? "")
        let enc = try PanelEncodings.resolve(units, width: ctx.width, height: ctx.height, config: config)
        let legend = try Legends.marks(units, enc)
        let first = units[0]
        let rowDef = first.channels["row"], colDef = first.channels["column"], wrapDef = first.channels["facet"]
        if rowDef == nil && colDef == nil && wrapDef == nil {
            var panel = try PanelBuilder.panel(units, enc, filter: nil, title: nil)
            panel.marks += legend.marks
            panel.colorbar = legend.colorbar
            panel.legend = legend.placement
            return Block(grid: [[panel]])
        }
        let rowValues = try rowDef.map { _ throws(VegaLiteError) in try DiscreteDomain.categories(units, channel: "row") } ?? [nil as DataValue?].compactMap { $0 }
        let colValues = try colDef.map { _ throws(VegaLiteError) in try DiscreteDomain.categories(units, channel: "column") } ?? []
        var grid: [[Panel]] = []
        if let wrapDef {
            let values = try DiscreteDomain.categories(units, channel: "facet")
            let perRow = clampedInt(columns ?? wrapDef.columns ?? Double(values.count), limit: 10_000)
            var row: [Panel] = []
            for v in values {
                row.append(try PanelBuilder.panel(units, enc, filter: [("@facet", v)], title: try header(v, wrapDef)))
                if row.count == max(1, perRow) { grid.append(row); row = [] }
            }
            if !row.isEmpty { grid.append(row) }
        } else {
            let rows: [DataValue?] = rowValues.isEmpty ? [nil] : rowValues.map { $0 }
            let cols: [DataValue?] = colValues.isEmpty ? [nil] : colValues.map { $0 }
            for (ri, r) in rows.enumerated() {
                var line: [Panel] = []
                for c in cols {
                    var filter: [(String, DataValue)] = []
                    var parts: [String] = []
                    if let r, let rowDef { filter.append(("@row", r)); if let h = try header(r, rowDef) { parts.append(h) } }
                    if let c, let colDef {
                        filter.append(("@column", c))
                        if ri == 0 || rowDef != nil, let h = try header(c, colDef) { parts.append(h) }
                    }
                    line.append(try PanelBuilder.panel(units, enc, filter: filter, title: parts.isEmpty ? nil : parts.joined(separator: " · ")))
                }
                grid.append(line)
            }
        }
        if let (r, c) = Self.legendOwner(grid, legend.placement) {
            grid[r][c].marks += legend.marks
            grid[r][c].colorbar = legend.colorbar
            grid[r][c].legend = legend.placement
        }
        let headers = [rowDef, colDef, wrapDef].compactMap { $0 }.compactMap { def -> String? in
            if let h = def.header, case .null = h.value { return nil }
            if let t = def.header?["title"] { return t.value.string }
            return def.resolvedTitle
        }
        return Block(grid: grid, shared: true, headers: headers)
    }

    /// The panel of a grid that holds the legend of them all, on the legend's side: the top
    /// row's first panel for a legend left or above, the bottom row's first below, else the top
    /// row's last.
    static func legendOwner(_ grid: [[Panel]], _ placement: LegendPlacement) -> (Int, Int)? {
        guard let first = grid.first, !first.isEmpty else { return nil }
        switch placement {
        case .outsideLeft, .outsideAbove: return (0, 0)
        case .outsideBelow: return grid.last?.isEmpty == false ? (grid.count - 1, 0) : (0, 0)
        default: return (0, first.count - 1)
        }
    }

    /// Concatenated and repeated views that encode the same legend show it once, on the side of
    /// the grid its orient names (Vega-Lite merges legends of the same field). Distinct legends
    /// stay put.
    static func dedupeLegends(_ grid: inout [[Panel]]) {
        var seen: [[String]] = []
        var distinct: [Mark] = []
        var duplicated = false
        var placement = LegendPlacement.outsideRight
        for row in grid {
            for panel in row {
                let legend = panel.marks.filter(\.isLegendOnly)
                let labels = legend.compactMap { $0.legendLabel }
                guard !labels.isEmpty else { continue }
                if seen.isEmpty { placement = panel.legend }
                if seen.contains(labels) { duplicated = true } else { seen.append(labels); distinct += legend }
            }
        }
        guard duplicated, let (r, c) = legendOwner(grid, placement) else { return }
        for r in grid.indices { for c in grid[r].indices { grid[r][c].marks.removeAll { $0.isLegendOnly } } }
        grid[r][c].marks += distinct
        grid[r][c].legend = placement
    }

    /// A facet cell's header label; nil when `header: null` or `labels: false` hides it.
    /// https://vega.github.io/vega-lite/docs/header.html
    func header(_ v: DataValue, _ def: ChannelDef) throws(VegaLiteError) -> String? {
        if let h = def.header {
            if case .null = h.value { return nil }
            try h.allowOnly(["title", "format", "labels", "labelAngle", "labelFontSize", "titleFontSize", "labelOrient",
                             "titleOrient", "labelAlign", "titleAlign", "labelPadding", "titlePadding", "labelColor", "titleColor"],
                            what: "header")
            if h["labels"]?.value.bool == false { return nil }
        }
        return Markup.escape(AxisGuide.label(v, def: def, format: def.header?["format"]?.value.string ?? def.format))
    }

    /// The facet operator: `{"facet": {"row": …, "column": …} | fieldDef, "spec": …}`.
    func facet(_ f: Node, spec: Node, columns: Double?, _ ctx: Context) throws(VegaLiteError) -> Block {
        var fields: [(String, ChannelDef)] = []
        if f["field"] != nil {
            fields.append(("facet", try ChannelDef.parse("facet", f, repeatBinding: ctx.binding)))
        } else {
            try f.allowOnly(["row", "column"], what: "facet")
            for name in ["row", "column"] { if let n = f[name] { fields.append((name, try ChannelDef.parse(name, n, repeatBinding: ctx.binding))) } }
        }
        var inner = ctx
        if let w = spec["width"] { inner.width = w.value }
        if let h = spec["height"] { inner.height = h.value }
        if let d = spec["data"] { inner.table = try loader.load(d) }
        if let t = spec["transform"] {
            guard let table = inner.table else { throw .spec(path: t.displayPath, "transforms need data") }
            inner.table = try Transforms.apply(t, to: table)
        }
        if spec["facet"] != nil || spec["hconcat"] != nil || spec["vconcat"] != nil || spec["repeat"] != nil {
            throw .unsupported(path: spec.displayPath, "a facet's spec must be a unit or layer view")
        }
        let units = try self.units(spec, inner, facetFields: fields)
        return try panels(units, inner, columns: columns)
    }

    /// `repeat`: the spec once per field, with `{"repeat": "row"|"column"|"repeat"}` bound.
    func repeatBlock(_ r: Node, spec: Node, columns: Double?, _ ctx: Context) throws(VegaLiteError) -> Block {
        var rowFields: [String?] = [nil], colFields: [String?] = [nil]
        var wrap: [String] = []
        if let list = r.value.array { wrap = list.compactMap(\.string) }
        else {
            if let rows = r["row"]?.value.array { rowFields = rows.compactMap(\.string) }
            if let cols = r["column"]?.value.array { colFields = cols.compactMap(\.string) }
            if r["layer"] != nil { throw .unsupported(path: r.displayPath + "/layer", "repeat over layers is not supported") }
        }
        var grid: [[Panel]] = []
        if !wrap.isEmpty {
            let perRow = max(1, clampedInt(columns ?? Double(wrap.count), limit: 10_000))
            var line: [Panel] = []
            for field in wrap {
                var c = ctx
                c.binding["repeat"] = field
                let b = try block(spec, c)
                line += b.grid.flatMap { $0 }
                if line.count >= perRow { grid.append(line); line = [] }
            }
            if !line.isEmpty { grid.append(line) }
        } else {
            for rf in rowFields {
                var line: [Panel] = []
                for cf in colFields {
                    var c = ctx
                    if let rf { c.binding["row"] = rf }
                    if let cf { c.binding["column"] = cf }
                    let b = try block(spec, c)
                    line += b.grid.flatMap { $0 }
                }
                grid.append(line)
            }
        }
        Self.dedupeLegends(&grid)
        return Block(grid: grid)
    }

    func concat(_ children: [Node], columns: Double, _ ctx: Context) throws(VegaLiteError) -> Block {
        var grid: [[Panel]] = []
        var line: [Panel] = []
        var nested = false
        let perRow = max(1, clampedInt(columns, limit: 10_000))
        for child in children {
            var c = ctx
            c.width = nil; c.height = nil
            let b = try block(child, c)
            if b.grid.count > 1 || b.shared {
                throw .unsupported(path: child.displayPath, "a facet or multi-row view inside a concat is not supported")
            }
            line += b.grid.flatMap { $0 }
            nested = nested || b.grid.flatMap({ $0 }).count > 1
            if line.count >= perRow { grid.append(line); line = [] }
        }
        if !line.isEmpty { grid.append(line) }
        Self.dedupeLegends(&grid)
        // A row made of a nested concat is laid out on its own (Vega-Lite aligns only the
        // views of one concat), so a wide view under two narrow ones leaves no gap.
        return Block(grid: grid, alignsColumns: !nested)
    }
}
