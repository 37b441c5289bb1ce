import Foundation

/// Compares a fixture (vl-convert's SVG, read by Scripts/vl-gallery-fixtures.py) with a figure's
/// digest: texts exactly, mark counts exactly, positions within `tolerance` of the plot size.
struct FixtureComparison {
    let expected: [String: Any]
    let digest: FigureDigest
    var tolerance = GalleryTests.tolerance

    func strings(_ key: String) -> [String] { (expected[key] as? [Any])?.compactMap { $0 as? String } ?? [] }

    func problems() -> [String] {
        var out: [String] = []
        out += texts()
        out += marks()
        return out
    }

    func texts() -> [String] {
        var out: [String] = []
        let axes = expected["axes"] as? [[String: Any]] ?? []
        for axis in ["x", "y"] {
            let want = Set(axes.filter { $0["axis"] as? String == axis }.map { ($0["labels"] as? [String] ?? []).joined(separator: "|") })
            let have = Set(digest.views.map { (axis == "x" ? $0.xTicks : $0.yTicks).map(\.label).joined(separator: "|") }.filter { !$0.isEmpty })
            if want != have { out.append("\(axis) tick labels: want \(want.sorted()), have \(have.sorted())") }
            let wantTitles = Set(axes.filter { $0["axis"] as? String == axis }.compactMap { $0["title"] as? String })
            let haveTitles = Set(digest.views.compactMap { axis == "x" ? $0.xTitle : $0.yTitle })
            if wantTitles != haveTitles { out.append("\(axis) axis titles: want \(wantTitles.sorted()), have \(haveTitles.sorted())") }
            // Tick positions, per distinct label list.
            for a in axes where a["axis"] as? String == axis {
                let labels = a["labels"] as? [String] ?? [], ticks = (a["ticks"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue }
                // Several views may share a label list with different positions: any may match.
                let candidates = digest.views.filter { (axis == "x" ? $0.xTicks : $0.yTicks).map(\.label) == labels }
                guard ticks.count == labels.count, !candidates.isEmpty else { continue }
                let misses = candidates.map { view -> String? in
                    let mine = (axis == "x" ? view.xTicks : view.yTicks).map(\.value)
                    for (k, t) in ticks.enumerated() where abs(mine[k] - t) > tolerance {
                        return "\(axis) tick '\(labels[k])' at \(fmt(mine[k])), want \(fmt(t))"
                    }
                    return nil
                }
                if let miss = misses.first, !misses.contains(where: { $0 == nil }) { out.append(miss ?? "") }
            }
        }
        // Which side each axis and legend is drawn on (orient).
        for axis in ["x", "y"] {
            let want = Set(axes.filter { $0["axis"] as? String == axis }.compactMap { $0["orient"] as? String })
            let have = Set(digest.views.filter { axis == "x" ? !$0.xTicks.isEmpty || $0.xTitle != nil : !$0.yTicks.isEmpty || $0.yTitle != nil }
                .map { axis == "x" ? $0.xOrient : $0.yOrient })
            if want != have { out.append("\(axis) axis orients: want \(want.sorted()), have \(have.sorted())") }
        }
        let wantSides = Set(strings("legend_sides")), haveSides = Set(digest.views.compactMap(\.legendSide))
        if !wantSides.isEmpty && wantSides != haveSides { out.append("legend sides: want \(wantSides.sorted()), have \(haveSides.sorted())") }
        let wantLegend = strings("legend_titles") + (expected["legend_labels"] as? [[String]] ?? []).flatMap { $0 }
        let haveLegend = digest.views.flatMap { $0.legendTitles + $0.legendLabels } + digest.views.compactMap(\.colorbarTitle)
        if wantLegend.sorted() != haveLegend.sorted() { out.append("legend texts: want \(wantLegend), have \(haveLegend)") }
        let titles = (expected["title"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String } + strings("header_titles")
        let haveTitle = digest.title.map { $0.components(separatedBy: "\n") } ?? []
        if titles.sorted() != haveTitle.sorted() { out.append("titles: want \(titles), have \(haveTitle)") }
        let headers = strings("header_labels") + strings("cell_titles")
        let haveHeaders = digest.views.compactMap(\.title).flatMap { $0.components(separatedBy: " · ") }
        if Set(headers) != Set(haveHeaders) { out.append("headers: want \(headers), have \(haveHeaders)") }
        return out
    }

    func marks() -> [String] {
        var out: [String] = []
        let marks = expected["marks"] as? [[String: Any]] ?? []
        let views = (expected["views"] as? [Any])?.count ?? 1
        if views != digest.views.count { return ["views: want \(views), have \(digest.views.count)"] }
        for (index, view) in digest.views.enumerated() {
            let here = marks.filter { ($0["view"] as? Int) == index }
            func items(_ type: String) -> [[String: Any]] { here.filter { $0["type"] as? String == type }.flatMap { $0["items"] as? [[String: Any]] ?? [] } }
            func count(_ type: String) -> Int { here.filter { $0["type"] as? String == type }.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } }
            func d(_ item: [String: Any], _ key: String) -> Double { (item[key] as? NSNumber)?.doubleValue ?? .nan }
            if count("symbol") != view.symbols.count { out.append("view \(index): \(view.symbols.count) symbols, want \(count("symbol"))") }
            else if let miss = unmatched(items("symbol").map { [d($0, "x"), d($0, "y")] }, view.symbols.map { [$0.x, $0.y] }) {
                out.append("view \(index): no symbol near \(miss)")
            } else {
                // Vega's size channel: a symbol sqrt(size) wide (Plot's square is 0.9 of its diameter).
                let want = items("symbol").map { d($0, "size") }.filter(\.isFinite).sorted()
                let have = view.symbols.map { $0.diameter * $0.diameter }.sorted()
                if want.count == have.count, let k = want.indices.first(where: { abs(want[$0] - have[$0]) > 0.03 * want[$0] + 0.5 }) {
                    out.append("view \(index): symbol size \(fmt(have[k])), want \(fmt(want[k]))")
                }
            }
            if count("rect") != view.rects.count { out.append("view \(index): \(view.rects.count) rects, want \(count("rect"))") }
            else if let miss = unmatched(items("rect").map { [d($0, "x"), d($0, "y"), d($0, "w"), d($0, "h")] },
                                         view.rects.map { [$0.x, $0.y, $0.w, $0.h] }) {
                out.append("view \(index): no rect near \(miss)")
            }
            let lineVertices = count("line") + 2 * count("rule")
            if lineVertices != view.lineVertices.count { out.append("view \(index): \(view.lineVertices.count) line vertices, want \(lineVertices) (\(count("line")) line + 2 × \(count("rule")) rule)") }
            else {
                var want: [[Double]] = []
                for item in items("line") { for p in item["points"] as? [[Any]] ?? [] { want.append(p.compactMap { ($0 as? NSNumber)?.doubleValue }) } }
                for item in items("rule") { want.append([d(item, "x"), d(item, "y")]); want.append([d(item, "x2"), d(item, "y2")]) }
                if let miss = unmatched(want, view.lineVertices.map { [$0.x, $0.y] }) { out.append("view \(index): no line vertex near \(miss)") }
            }
            if count("area") != view.areaPoints { out.append("view \(index): \(view.areaPoints) area points, want \(count("area"))") }
            if count("text") != view.texts.count { out.append("view \(index): \(view.texts.count) texts, want \(count("text"))") }
            else {
                let want = items("text").map { $0["text"] as? String ?? "" }.sorted(), have = view.texts.map(\.text).sorted()
                if want != have { out.append("view \(index): text marks \(have.prefix(5)), want \(want.prefix(5))") }
                if let miss = unmatched(items("text").map { [d($0, "x")] }, view.texts.map { [$0.x] }) { out.append("view \(index): no text at x \(miss)") }
            }
        }
        return out
    }

    /// The first wanted item with no unused match within tolerance (greedy), or nil.
    func unmatched(_ want: [[Double]], _ have: [[Double]]) -> String? {
        var used = [Bool](repeating: false, count: have.count)
        for w in want {
            var found = false
            for (k, h) in have.enumerated() where !used[k] {
                if zip(w, h).allSatisfy({ abs($0 - $1) <= tolerance }) { used[k] = true; found = true; break }
            }
            if !found { return "(" + w.map(fmt).joined(separator: ", ") + ")" }
        }
        return nil
    }

    func fmt(_ x: Double) -> String { String(Int((x * 10000).rounded())) .padding(toLength: 0, withPad: "", startingAt: 0) + "\((x * 10000).rounded() / 10000)" }
}
