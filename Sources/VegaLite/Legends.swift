import Plot

/// Vega-Lite's legends as Plot legend entries: a title line, then one entry per category (or
/// per size/shape/dash value); continuous colour becomes a colorbar. Entries are marks with a
/// label and no data, so the panel's legend machinery places them outside the data.
/// https://vega.github.io/vega-lite/docs/legend.html
enum Legends {
    enum Swatch { case symbol, patch, line }

    /// The legend's symbol follows the first layer that encodes the legend's channel.
    static func swatch(_ units: [PreparedUnit]) -> Swatch {
        let encoding = units.filter { u in ["color", "fill", "stroke", "size", "shape", "opacity", "strokeDash"].contains { u.channels[$0]?.hasField == true } }
        let kinds = (encoding.first ?? units.first).map { [$0.mark.kind] } ?? []
        if kinds.contains(where: { [.point, .circle, .square, .text].contains($0) }) { return .symbol }
        if kinds.contains(where: { [.line, .rule].contains($0) }) { return .line }
        return .patch
    }

    /// Whether legend symbols are filled: as the layer that sets the swatch draws its marks
    /// (a point mark is hollow).
    static func symbolsFilled(_ units: [PreparedUnit]) -> Bool {
        let encoding = units.first { u in ["color", "fill", "stroke", "size", "shape", "opacity"].contains { u.channels[$0]?.hasField == true } }
        return (encoding ?? units.first)?.symbolsFilled ?? true
    }

    /// `mark` with its symbol outlined, if it is a visible symbol entry.
    static func outlined(_ mark: Mark) -> Mark {
        guard case .symbols(var m) = mark.kind, m.legendColor != .clear else { return mark }
        m.filled = false
        return .symbols(m)
    }

    static func title(_ def: ChannelDef) -> String? {
        if let t = def.legend?["title"] {
            if case .null = t.value { return nil }
            if let s = t.value.string { return s }
        }
        return def.resolvedTitle
    }

    static func entry(_ label: String, color: Color, swatch: Swatch, shape: MarkerShape = .circle, diameter: Double = 6.2,
                      dash: Dash = .solid) -> Mark {
        switch swatch {
        case .symbol:
            return .symbols(SymbolsMark(x: [], y: [], diameters: [], colors: [], shapes: [], label: label,
                                        legendColor: color, legendDiameter: diameter, legendShape: shape))
        case .patch:
            return .rects(RectsMark(x0: [], x1: [], y0: [], y1: [], fills: [], label: label, legendColor: color))
        case .line:
            return .line(x: [], y: [], label: label, color: color, width: 2, dash: dash)
        }
    }

    /// A title line: an entry whose swatch is invisible.
    static func heading(_ text: String) -> Mark {
        .symbols(SymbolsMark(x: [], y: [], diameters: [], colors: [], shapes: [], label: "<b>\(Markup.escape(text))</b>",
                             legendColor: .clear, legendDiameter: 0))
    }

    /// Vega's legend orients as Plot placements. Corners put the legend inside that corner of
    /// the plot where it covers no data (else outside, as every Plot legend); "none" (placed by
    /// legendX/legendY, at the view's origin by default) is the top-left corner.
    /// https://vega.github.io/vega-lite/docs/legend.html#orient
    static let orients: [String: LegendPlacement] = [
        "right": .outsideRight, "left": .outsideLeft, "top": .outsideAbove, "bottom": .outsideBelow, "top-left": .upperLeft,
        "top-right": .upperRight, "bottom-left": .lowerLeft, "bottom-right": .lowerRight, "none": .upperLeft]

    /// Where the view's legends go: their `orient`, else `config.legend.orient`, else right.
    /// Plot draws a view's legends as one block, so they must agree; a gradient (colorbar)
    /// is drawn right of the plot only.
    static func placement(_ enc: PanelEncodings, colorbar: Bool) throws(VegaLiteError) -> LegendPlacement {
        let defs = [enc.color?.def, enc.size?.def, enc.shape?.def, enc.dash?.def, enc.opacity?.def].compactMap { $0 }.filter { !$0.legendDisabled }
        let fallback = enc.config.node?["legend"]?["orient"]
        var chosen: (name: String, node: Node?)? = nil
        for def in defs {
            let node = def.legend?["orient"] ?? fallback
            let name = node?.value.string ?? "right"
            if let first = chosen, first.name != name {
                throw .unsupported(path: (node ?? first.node)?.displayPath ?? def.path, "legends of one view with different orients ('\(first.name)', '\(name)') are not supported")
            }
            chosen = (name, node)
        }
        guard let chosen else { return .outsideRight }
        guard let placement = orients[chosen.name] else {
            throw .unsupported(path: chosen.node?.displayPath ?? "/", "legend orient '\(chosen.name)' is not supported (supported: \(orients.keys.sorted().joined(separator: ", ")))")
        }
        if colorbar && placement != .outsideRight {
            throw .unsupported(path: chosen.node?.displayPath ?? "/", "a gradient legend's orient '\(chosen.name)' is not supported (Rederive draws gradients right of the plot)")
        }
        return placement
    }

    static func marks(_ units: [PreparedUnit], _ enc: PanelEncodings) throws(VegaLiteError) -> (marks: [Mark], colorbar: Colorbar?, placement: LegendPlacement) {
        var marks: [Mark] = []
        var colorbar: Colorbar? = nil
        let swatch = self.swatch(units)
        let base = enc.config.markColor
        // Vega-Lite merges the legends of channels that encode the same field.
        let colorField = enc.color?.def.field
        let shapeMerged = enc.shape != nil && enc.shape?.def.field == colorField && enc.color?.categories.isEmpty == false
        let sizeMerged = enc.size != nil && enc.size?.def.field == colorField && colorField != nil
        if let color = enc.color, !color.def.legendDisabled {
            switch color.kind {
            case .discrete:
                if let t = title(color.def) { marks.append(heading(t)) }
                for (i, c) in color.categories.enumerated() {
                    let shape = shapeMerged ? PropertyEncoding.shapes[(enc.shape?.index(c) ?? 0) % PropertyEncoding.shapes.count] : .circle
                    marks.append(entry(Markup.escape(AxisGuide.label(c, def: color.def, format: legendFormat(color.def))), color: color.colors[i],
                                       swatch: shapeMerged ? .symbol : swatch, shape: shape))
                }
            case .continuous(let scale, _):
                if sizeMerged, let size = enc.size {
                    if let t = title(color.def) { marks.append(heading(t)) }
                    for v in size.legendValues {
                        let d = MarkEmitter.diameter(area: size.value(v) ?? 30, shape: .circle)
                        marks.append(entry(Markup.escape(legendNumber(v, size)), color: color.color(v) ?? base, swatch: .symbol, diameter: d))
                    }
                } else {
                    colorbar = Colorbar(label: title(color.def).map(Markup.escape), scale: scale,
                                        ticks: gradientTicks(color, length: min(200, max(64, enc.height))))
                }
            }
        }
        // Opacity over the size's field is drawn in the size legend, as Vega-Lite merges them.
        let opacityMerged = enc.opacity != nil && enc.size?.def.legendDisabled == false && !sizeMerged && enc.opacity?.def.field == enc.size?.def.field
        if let size = enc.size, !size.def.legendDisabled, !sizeMerged {
            if let t = title(size.def) { marks.append(heading(t)) }
            for v in size.legendValues {
                let d = MarkEmitter.diameter(area: size.value(v) ?? 30, shape: .circle)
                let label = size.discrete ? AxisGuide.label(v, def: size.def, format: legendFormat(size.def)) : legendNumber(v, size)
                let alpha = opacityMerged ? enc.opacity?.value(v) ?? 1 : 1
                marks.append(entry(Markup.escape(label), color: base.withAlpha(alpha), swatch: .symbol, diameter: d))
            }
        }
        if let shape = enc.shape, !shape.def.legendDisabled, !shapeMerged {
            if let t = title(shape.def) { marks.append(heading(t)) }
            for (i, v) in shape.categories.enumerated() {
                marks.append(entry(Markup.escape(AxisGuide.label(v, def: shape.def, format: legendFormat(shape.def))), color: base,
                                   swatch: .symbol, shape: PropertyEncoding.shapes[i % PropertyEncoding.shapes.count]))
            }
        }
        if let dash = enc.dash, !dash.def.legendDisabled {
            if let t = title(dash.def) { marks.append(heading(t)) }
            for (i, v) in dash.categories.enumerated() {
                marks.append(entry(Markup.escape(AxisGuide.label(v, def: dash.def, format: legendFormat(dash.def))), color: base,
                                   swatch: .line, dash: PropertyEncoding.dashes[i % PropertyEncoding.dashes.count]))
            }
        }
        if let opacity = enc.opacity, !opacity.def.legendDisabled, !opacityMerged {
            if let t = title(opacity.def) { marks.append(heading(t)) }
            for v in opacity.legendValues {
                let label = opacity.discrete ? AxisGuide.label(v, def: opacity.def, format: legendFormat(opacity.def)) : legendNumber(v, opacity)
                marks.append(entry(Markup.escape(label), color: base.withAlpha(opacity.value(v) ?? 1), swatch: swatch))
            }
        }
        return (symbolsFilled(units) ? marks : marks.map(outlined), colorbar, try placement(enc, colorbar: colorbar != nil))
    }

    /// Vega's gradient legend labels: ticks at count max(2, 2·floor(length/100)) for a gradient
    /// `length` long (Vega-Lite: the view's height clamped to 64…200), or the domain's two ends
    /// when that gives fewer than three (vega-encode LegendEntries, vega#1364).
    static func gradientTicks(_ color: ColorEncoding, length: Double) -> [Tick]? {
        guard case .continuous(_, let domain) = color.kind, domain.0 < domain.1 else { return nil }
        let count = max(2, 2 * (length / 100).rounded(.down))
        var values = D3Ticks.ticks(domain.0, domain.1, count: count)
        if values.count < 3 { values = [domain.0, domain.1] }
        let step = D3Ticks.step(domain.0, domain.1, count: count)
        guard let format = try? AxisGuide.numberFormat(legendFormat(color.def), step: step, magnitude: max(abs(domain.0), abs(domain.1)), path: "") else { return nil }
        return values.map { Tick($0, Markup.escape(format.format($0))) }
    }

    static func legendFormat(_ def: ChannelDef) -> String? { def.legend?["format"]?.value.string ?? def.format }

    static func legendNumber(_ v: DataValue, _ e: PropertyEncoding) -> String {
        guard let n = v.number else { return v.text }
        let step = D3Ticks.step(e.domain.0, e.domain.1, count: 5)
        return ((try? AxisGuide.numberFormat(legendFormat(e.def), step: step, magnitude: max(abs(e.domain.0), abs(e.domain.1)), path: "")) ?? D3Format(",")!).format(n)
    }
}
