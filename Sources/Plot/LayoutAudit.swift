import Foundation

/// One collision or legibility problem in a laid-out figure.
public struct LayoutFinding: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Two texts, or a text and a guide (plot area, legend, colorbar), overlap.
        case overlap(String, String)
        /// A text or guide reaches past the edge of the page.
        case outsideCanvas(String)
        /// A legend lies over data marks; `share` of the panel's data samples are under it.
        case legendCoversData(panel: String, share: Double)
        /// A text is smaller than the style's `minimumTextSize`.
        case textTooSmall(String, size: Double, minimum: Double)
        /// Colours that mislead (`ColorScaleAudit`).
        case colorScale(String)
    }

    public var kind: Kind

    public var description: String {
        switch kind {
        case .overlap(let a, let b): return "\(a) overlaps \(b)"
        case .outsideCanvas(let a): return "\(a) reaches outside the page"
        case .legendCoversData(let panel, let share):
            return String(format: "the legend of %@ covers data (%.1f%% of its samples)", panel, 100 * share)
        case .textTooSmall(let a, let size, let minimum):
            return String(format: "%@ is %.1f pt, below the style's minimum of %.1f pt", a, size, minimum)
        case .colorScale(let text): return text
        }
    }
}

/// Checks a laid-out figure for what the layout promises never to draw: overlapping texts,
/// texts over another panel's plot or guides, anything past the page's edge, legends over
/// data, and text below the style's minimum size. An empty list is the proof.
///
/// Overlap is exact for turned text (separating axes of the two rotated boxes); boxes that
/// only touch, or overlap by less than `tolerance`, do not count.
public enum LayoutAudit {
    public static let tolerance = 0.01

    /// Everything wrong with `layout`, in a stable order.
    public static func findings(_ layout: FigureLayout) -> [LayoutFinding] {
        let items = self.items(layout)
        var found: [LayoutFinding] = []
        for i in items.indices {
            for j in items.indices where j > i && mayOverlap(items[i], items[j]) {
                if overlaps(items[i].corners, items[j].corners) {
                    found.append(LayoutFinding(kind: .overlap(items[i].name, items[j].name)))
                }
            }
        }
        let page = Rect(x: 0, y: 0, width: layout.size.width, height: layout.size.height).insetBy(dx: -tolerance, dy: -tolerance)
        for item in items where !item.corners.allSatisfy({ page.contains(x: $0.x, y: $0.y) }) {
            found.append(LayoutFinding(kind: .outsideCanvas(item.name)))
        }
        for panel in layout.panels {
            guard let legend = panel.legend else { continue }
            let share = DataFootprint.share(of: DataFootprint.samples(panel), in: legend.rect)
            if share > 0 { found.append(LayoutFinding(kind: .legendCoversData(panel: panelName(panel), share: share))) }
        }
        let minimum = layout.style.minimumTextSize
        for item in items where item.textSize.map({ $0 < minimum - 1e-9 }) ?? false {
            found.append(LayoutFinding(kind: .textTooSmall(item.name, size: item.textSize ?? 0, minimum: minimum)))
        }
        return found + ColorScaleAudit.findings(layout)
    }

    /// What sits on the page: every text and guide, with the panel it belongs to.
    struct Item {
        enum Role { case text, markText, legendText, plot, legend, colorbar }
        var name: String
        var corners: [Point]
        /// The panel's index, or nil for the figure's suptitle and caption.
        var panel: Int?
        var role: Role
        var textSize: Double?
    }

    static func items(_ layout: FigureLayout) -> [Item] {
        var items: [Item] = []
        func text(_ t: PlacedText, _ name: String, _ panel: Int?, _ role: Item.Role = .text) {
            items.append(Item(name: "\(name) '\(PangoText.plainText(t.markup).replacingOccurrences(of: "\n", with: " "))'",
                              corners: t.corners, panel: panel, role: role, textSize: t.style.size))
        }
        if let s = layout.suptitle { text(s, "the suptitle", nil) }
        for line in layout.caption { text(line, "the caption line", nil) }
        for (index, p) in layout.panels.enumerated() {
            let name = panelName(p)
            for t in p.x.tickLabels { text(t, "\(name) x tick label", index) }
            for t in p.y.tickLabels { text(t, "\(name) y tick label", index) }
            if let t = p.x.label { text(t, "\(name) x label", index) }
            if let t = p.y.label { text(t, "\(name) y label", index) }
            if let t = p.title { text(t, "\(name) title", index) }
            for t in p.markTexts { text(t, "\(name) text", index, .markText) }
            if p.panel.frame || !p.panel.marks.isEmpty {
                items.append(Item(name: "\(name) plot area", corners: p.plot.corners, panel: index, role: .plot))
            }
            if let c = p.colorbar {
                for t in c.tickLabels { text(t, "\(name) colorbar tick label", index) }
                if let t = c.label { text(t, "\(name) colorbar label", index) }
                items.append(Item(name: "\(name) colorbar", corners: c.rect.corners, panel: index, role: .colorbar))
            }
            if let l = p.legend {
                for e in l.entries { text(e.text, "\(name) legend entry", index, .legendText) }
                items.append(Item(name: "\(name) legend", corners: l.rect.corners, panel: index, role: .legend))
            }
        }
        return items
    }

    /// Pairs that are meant to share space are not checked: a panel's legend, legend entries
    /// and mark texts lie on its own plot area, and legend entries in their own legend.
    static func mayOverlap(_ a: Item, _ b: Item) -> Bool {
        guard let pa = a.panel, pa == b.panel else { return true }
        let roles = Set([a.role, b.role])
        if roles == [.plot, .markText] || roles == [.plot, .legend] || roles == [.plot, .legendText] { return false }
        if roles == [.legend, .legendText] { return false }
        return true
    }

    /// Whether two convex quadrilaterals overlap by more than `tolerance` (separating axes).
    static func overlaps(_ a: [Point], _ b: [Point]) -> Bool {
        for polygon in [a, b] {
            for k in polygon.indices {
                let p = polygon[k], q = polygon[(k + 1) % polygon.count]
                let length = hypot(q.x - p.x, q.y - p.y)
                guard length > 0 else { continue }
                let nx = (p.y - q.y) / length, ny = (q.x - p.x) / length
                let pa = a.map { $0.x * nx + $0.y * ny }, pb = b.map { $0.x * nx + $0.y * ny }
                let depth = min(pa.max()!, pb.max()!) - max(pa.min()!, pb.min()!)
                if depth <= tolerance { return false }
            }
        }
        return true
    }

    static func panelName(_ p: PanelLayout) -> String {
        "panel (row \(p.row + 1), column \(p.column + 1))" + (p.panel.title.map { " '\(PangoText.plainText($0))'" } ?? "")
    }
}

extension FigureLayout {
    /// The layout audit's findings (see `LayoutAudit`).
    public var findings: [LayoutFinding] { LayoutAudit.findings(self) }
}
