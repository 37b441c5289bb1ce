import Plot

/// What a test compares of a drawn spec: the texts and the marks of each panel, positions
/// normalised to the plot area with y growing downwards (the fixtures' convention).
struct FigureDigest {
    struct View {
        var xTicks: [(value: Double, label: String)] = []
        var yTicks: [(value: Double, label: String)] = []
        var xTitle: String?
        var yTitle: String?
        var title: String?
        var symbols: [(x: Double, y: Double, diameter: Double)] = []
        var rects: [(x: Double, y: Double, w: Double, h: Double)] = []
        var texts: [(x: Double, y: Double, text: String)] = []
        /// Every line vertex (rules included, two per rule) and area samples.
        var lineVertices: [(x: Double, y: Double)] = []
        var areaPoints = 0
        var legendTitles: [String] = []
        var legendLabels: [String] = []
        var colorbarTitle: String?
        /// The axes' sides and, when the view holds a legend, its side in the fixtures' words.
        var xOrient = "bottom", yOrient = "left"
        var legendSide: String?
    }

    var views: [View] = []
    var title: String?

    static func plain(_ markup: String) -> String {
        var s = markup.replacingOccurrences(of: "<b>", with: "").replacingOccurrences(of: "</b>", with: "")
        for (entity, char) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&amp;", "&")] {
            s = s.replacingOccurrences(of: entity, with: char)
        }
        return s
    }

    init(_ figure: Figure) {
        title = figure.suptitle.map(Self.plain)
        for row in figure.grid {
            for panel in row { views.append(Self.view(panel)) }
        }
    }

    static func view(_ panel: Panel) -> View {
        var v = View()
        let w = panel.xLimits?.upperBound ?? 1, h = panel.yLimits?.upperBound ?? 1
        // Empty labels draw nothing (log axes' minor ticks); the fixtures leave them out.
        if case .fixed(let ticks) = panel.xTicks { v.xTicks = ticks.filter { !$0.label.isEmpty }.map { ($0.value / w, plain($0.label)) } }
        if case .fixed(let ticks) = panel.yTicks { v.yTicks = ticks.filter { !$0.label.isEmpty }.map { (1 - $0.value / h, plain($0.label)) } }
        v.xTitle = panel.xLabel.map(plain)
        v.yTitle = panel.yLabel.map(plain)
        v.title = panel.title.map(plain)
        v.colorbarTitle = panel.colorbar?.label.map(plain)
        v.xOrient = panel.xAxisSide == .top ? "top" : "bottom"
        v.yOrient = panel.yAxisSide == .right ? "right" : "left"
        if panel.colorbar != nil || panel.marks.contains(where: { $0.legendOnlyLabel != nil }) {
            let sides: [LegendPlacement: String] = [.outsideRight: "right", .outsideLeft: "left", .outsideAbove: "top", .outsideBelow: "bottom"]
            v.legendSide = sides[panel.legend] ?? "inside"
        }
        v.legendLabels += (panel.colorbar?.ticks ?? []).map { plain($0.label) }
        for mark in panel.marks {
            switch mark.kind {
            case .symbols(let m):
                if m.x.isEmpty, let label = m.label {
                    if label.hasPrefix("<b>") { v.legendTitles.append(plain(label)) } else { v.legendLabels.append(plain(label)) }
                }
                for i in m.x.indices {
                    let width = i < m.shapes.count && m.shapes[i] == .square ? 0.9 * m.diameters[i] : m.diameters[i]
                    v.symbols.append((m.x[i] / w, 1 - m.y[i] / h, width))
                }
            case .rects(let m):
                if m.x0.isEmpty, let label = m.label { v.legendLabels.append(plain(label)) }
                for i in m.x0.indices {
                    v.rects.append((m.x0[i] / w, 1 - m.y1[i] / h, (m.x1[i] - m.x0[i]) / w, (m.y1[i] - m.y0[i]) / h))
                }
            case .line(let m):
                if m.x.isEmpty, let label = m.label { v.legendLabels.append(plain(label)) }
                for i in m.x.indices where m.x[i].isFinite && m.y[i].isFinite { v.lineVertices.append((m.x[i] / w, 1 - m.y[i] / h)) }
            case .band(let m):
                v.areaPoints += m.x.count
            case .text(let m):
                v.texts.append((m.x / w, 1 - m.y / h, plain(m.text)))
            default:
                break
            }
        }
        return v
    }
}

extension Mark {
    /// The label of a legend entry that draws no data.
    var legendOnlyLabel: String? {
        switch kind {
        case .symbols(let m): return m.x.isEmpty ? m.label : nil
        case .rects(let m): return m.x0.isEmpty ? m.label : nil
        case .line(let m): return m.x.isEmpty ? m.label : nil
        default: return nil
        }
    }
}
