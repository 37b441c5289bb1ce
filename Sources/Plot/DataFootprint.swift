import Foundation

/// Where a panel's marks put ink, as page points sampled at most `spacing` apart inside the
/// plot area: along lines and rules, over bars, bands and heatmaps, at scatter points and
/// markers. A legend "covers data" when any sample falls in it; the share of samples it holds
/// is how much it covers.
enum DataFootprint {
    static let spacing = 1.5
    /// Caps on samples per mark, so that huge data stay cheap (denser data are strided).
    static let maxPoints = 4000, maxCells = 400

    static func samples(_ layout: PanelLayout) -> [Point] {
        var ink = Ink(plot: layout.plot)
        for mark in layout.panel.marks { ink.sample(mark, layout) }
        for text in layout.markTexts { ink.area(text.bounds.intersection(layout.plot)) }
        return ink.points
    }

    /// Samples gathered inside a plot area: points, segments and areas, `spacing` apart.
    struct Ink {
        let plot: Rect
        var points: [Point] = []

        mutating func add(_ x: Double, _ y: Double) {
            if x.isFinite, y.isFinite, plot.contains(x: x, y: y) { points.append(Point(x: x, y: y)) }
        }

        mutating func segment(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) {
            guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return }
            let steps = min(2000, max(1, Int((hypot(x1 - x0, y1 - y0) / spacing).rounded(.up))))
            for s in 0...steps {
                let f = Double(s) / Double(steps)
                add(x0 + f * (x1 - x0), y0 + f * (y1 - y0))
            }
        }

        mutating func area(_ r: Rect) {
            let nx = min(maxCells, max(1, Int((r.width / spacing).rounded(.up))))
            let ny = min(maxCells, max(1, Int((r.height / spacing).rounded(.up))))
            for i in 0...nx {
                for j in 0...ny { add(r.minX + Double(i) / Double(nx) * r.width, r.minY + Double(j) / Double(ny) * r.height) }
            }
        }

        /// Points (strided past `maxPoints`) at the page positions of `x` and `y`.
        mutating func scatter(_ x: [Double], _ y: [Double], _ layout: PanelLayout) {
            let n = min(x.count, y.count), stride = max(1, n / maxPoints)
            for i in Swift.stride(from: 0, to: n, by: stride) { add(layout.px(x[i]), layout.py(y[i])) }
        }

        mutating func sample(_ mark: Mark, _ layout: PanelLayout) {
            switch mark.kind {
            case .line(let m):
                let n = min(m.x.count, m.y.count), stride = max(1, n / maxPoints)
                var previous: (Double, Double)? = nil
                for i in Swift.stride(from: 0, to: n, by: stride) {
                    let p = (layout.px(m.x[i]), layout.py(m.y[i]))
                    guard p.0.isFinite, p.1.isFinite else { previous = nil; continue }
                    if let q = previous { segment(q.0, q.1, p.0, p.1) } else { add(p.0, p.1) }
                    previous = p
                }
            case .scatter(let m):
                scatter(m.x, m.y, layout)
            case .bars(let m):
                bars(m, layout)
            case .band(let m):
                for i in m.x.indices {
                    let x = layout.px(m.x[i])
                    segment(x, layout.py(m.lower[i]), x, layout.py(m.upper[i]))
                    if i > 0 {
                        segment(layout.px(m.x[i - 1]), layout.py(m.lower[i - 1]), x, layout.py(m.lower[i]))
                        segment(layout.px(m.x[i - 1]), layout.py(m.upper[i - 1]), x, layout.py(m.upper[i]))
                    }
                }
            case .rule(let m):
                if m.orientation == .horizontal {
                    let y = layout.py(m.value)
                    segment(plot.minX, y, plot.maxX, y)
                } else {
                    let x = layout.px(m.value)
                    segment(x, plot.minY, x, plot.maxY)
                }
            case .heatmap(let m):
                let x0 = layout.px(-0.5), x1 = layout.px(Double(m.matrix.columns) - 0.5)
                let y0 = layout.py(-0.5), y1 = layout.py(Double(m.matrix.rows) - 0.5)
                guard x0.isFinite, x1.isFinite, y0.isFinite, y1.isFinite else { return }
                area(Rect(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0)).intersection(plot))
            case .rects(let m):
                let n = min(m.x0.count, m.x1.count, m.y0.count, m.y1.count), stride = max(1, n / maxPoints)
                for i in Swift.stride(from: 0, to: n, by: stride) {
                    let l = layout.px(m.x0[i]), r = layout.px(m.x1[i]), t = layout.py(m.y1[i]), b = layout.py(m.y0[i])
                    guard l.isFinite, r.isFinite, t.isFinite, b.isFinite else { continue }
                    area(Rect(x: min(l, r), y: min(t, b), width: abs(r - l), height: abs(b - t)).intersection(plot))
                }
            case .symbols(let m):
                scatter(m.x, m.y, layout)
            case .text:
                break   // Placed texts are checked as texts.
            }
        }

        /// Each bar's area from the baseline, and its error bar.
        mutating func bars(_ m: BarMark, _ layout: PanelLayout) {
            let base = layout.py(m.baseline).isFinite ? layout.py(m.baseline) : (layout.yInverted ? plot.minY : plot.maxY)
            for i in m.x.indices {
                let l = layout.px(m.x[i] - m.width / 2), r = layout.px(m.x[i] + m.width / 2), t = layout.py(m.heights[i])
                guard l.isFinite, r.isFinite, t.isFinite else { continue }
                area(Rect(x: min(l, r), y: min(t, base), width: abs(r - l), height: abs(base - t)).intersection(plot))
                if let e = m.errors?[i], e.isFinite {
                    let x = layout.px(m.x[i])
                    segment(x, layout.py(m.heights[i] - e), x, layout.py(m.heights[i] + e))
                }
            }
        }
    }

    /// The share of `samples` inside `rect`.
    static func share(of samples: [Point], in rect: Rect) -> Double {
        guard !samples.isEmpty else { return 0 }
        return Double(samples.filter { rect.contains(x: $0.x, y: $0.y) }.count) / Double(samples.count)
    }
}
