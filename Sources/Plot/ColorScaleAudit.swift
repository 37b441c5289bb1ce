/// Colours that mislead: a colour-mapped value outside its scale (drawn in the end colour, as if
/// it were the scale's extreme), or a panel whose colours mean other numbers than the one colour
/// bar its row shows. Part of `LayoutAudit`, so `make` warns and the recipes' tests fail on it.
enum ColorScaleAudit {
    static func findings(_ layout: FigureLayout) -> [LayoutFinding] {
        var found: [LayoutFinding] = []
        for panel in layout.panels {
            for (index, mark) in panel.panel.marks.enumerated() {
                guard index < panel.markNorms.count, let norm = panel.markNorms[index], let values = colored(mark)?.values else { continue }
                let outside = values.filter { $0.isFinite && !(norm.isLog && $0 <= 0) && !covers(norm, $0) }
                guard let worst = outside.max(by: { distance(norm, $0) < distance(norm, $1) }) else { continue }
                found.append(LayoutFinding(kind: .colorScale("\(LayoutAudit.panelName(panel)) colours \(outside.count) value(s) outside its "
                                                             + "scale \(range(norm)) (e.g. \(short(worst)))")))
            }
        }
        for row in Set(layout.panels.map(\.row)).sorted() {
            let panels = layout.panels.filter { $0.row == row }
            let barred = panels.filter { $0.colorbar != nil }
            guard barred.count == 1, let bar = barred.first, let shown = firstNorm(bar) else { continue }
            for panel in panels where panel.colorbar == nil {
                guard let norm = firstNorm(panel), norm.scale != shown.scale || !same(norm.norm, shown.norm) else { continue }
                found.append(LayoutFinding(kind: .colorScale("\(LayoutAudit.panelName(panel)) is coloured on \(range(norm.norm)), but its row's "
                                                             + "only colour bar (\(LayoutAudit.panelName(bar))) shows \(range(shown.norm))")))
            }
        }
        return found
    }

    /// The values a mark colours and its scale, or nil for marks of fixed colours.
    static func colored(_ mark: Mark) -> (values: [Double], scale: ColorScale)? {
        switch mark.kind {
        case .heatmap(let heatmap): (heatmap.matrix.values, heatmap.scale)
        case .scatter(let scatter): if case .values(let values, let scale) = scatter.coloring { (values, scale) } else { nil }
        default: nil
        }
    }

    static func firstNorm(_ panel: PanelLayout) -> (norm: ResolvedNorm, scale: ColorScale)? {
        for (index, mark) in panel.panel.marks.enumerated() where index < panel.markNorms.count {
            if let norm = panel.markNorms[index], let (_, scale) = colored(mark) { return (norm, scale) }
        }
        return nil
    }

    /// Within the scale, allowing for the last bit of a bound computed from the data.
    static func covers(_ norm: ResolvedNorm, _ value: Double) -> Bool { distance(norm, value) <= 1e-9 * max(abs(norm.lower), abs(norm.upper), 1e-300) }

    static func distance(_ norm: ResolvedNorm, _ value: Double) -> Double { max(norm.lower - value, value - norm.upper, 0) }

    static func same(_ a: ResolvedNorm, _ b: ResolvedNorm) -> Bool {
        a.isLog == b.isLog && abs(a.lower - b.lower) <= 1e-12 * max(abs(a.lower), 1) && abs(a.upper - b.upper) <= 1e-12 * max(abs(a.upper), 1)
    }

    static func range(_ norm: ResolvedNorm) -> String { "\(short(norm.lower))…\(short(norm.upper))" }

    static func short(_ x: Double) -> String { PangoText.plainText(Ticks.format(x)) }
}
