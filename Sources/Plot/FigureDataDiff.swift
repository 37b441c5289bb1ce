import Foundation

/// What moved between two versions of a figure's data, in the data's terms: which panel, which
/// series, how many points, the largest change and where. Changes are ranked by size (a relative
/// measure: the largest |Δ| over the series' own range, 1 for a changed text or shape).
public struct FigureDataDiff: Sendable {
    public struct Change: Sendable, Equatable {
        /// For ranking: about 0…1 for moved numbers, 1 for text, shape or kind, infinity for NaN.
        public var size: Double
        /// "panel "Training loss", series "study": y: 600 points, 412 moved, max |Δ| 0.0037 at x = 128 (0.2114 → 0.2077)"
        public var sentence: String
    }

    /// Numbers agree when |a − b| ≤ atol + rtol·|a| (NaN agrees with NaN). Zero: exactly.
    public var relativeTolerance: Double
    public var absoluteTolerance: Double

    public init(relativeTolerance: Double = 0, absoluteTolerance: Double = 0) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// The changes from `old` to `new`, largest first; empty when they agree.
    public func changes(from old: FigureData, to new: FigureData) -> [Change] {
        var changes: [Change] = []
        if old.suptitle != new.suptitle { changes.append(text("title", old.suptitle, new.suptitle)) }
        if old.captionNumbers.count != new.captionNumbers.count {
            changes.append(Change(size: 1, sentence: "caption: \(old.captionNumbers.count) numbers → \(new.captionNumbers.count)"))
        } else {
            for (i, (a, b)) in zip(old.captionNumbers, new.captionNumbers).enumerated() where !agree(a, b) {
                changes.append(Change(size: relative(a, b), sentence: "caption number \(i + 1): \(Self.format(a)) → \(Self.format(b))"))
            }
        }
        if let a = old.caption, let b = new.caption, NumericText.split(a).words != NumericText.split(b).words {
            changes.append(Change(size: 1, sentence: "caption text changed"))
        }
        if old.panels.count != new.panels.count {
            changes.append(Change(size: 1, sentence: "\(old.panels.count) panels → \(new.panels.count)"))
        }
        for (a, b) in zip(old.panels, new.panels) { changes += panelChanges(a, b) }
        // Stable: equal sizes keep the figure's order.
        return changes.enumerated().sorted { ($0.element.size, -$0.offset) > ($1.element.size, -$1.offset) }.map(\.element)
    }

    func panelChanges(_ a: PanelData, _ b: PanelData) -> [Change] {
        let panel = "panel \(b.name)"
        var changes: [Change] = []
        if a.title != b.title { changes.append(text("panel row \(b.row + 1), column \(b.column + 1): title", a.title, b.title)) }
        for (axis, x, y) in [("x", a.x, b.x), ("y", a.y, b.y)] {
            if x.label != y.label { changes.append(text("\(panel): \(axis) label", x.label, y.label)) }
            if x.scale != y.scale { changes.append(Change(size: 1, sentence: "\(panel): \(axis) scale \(x.scale) → \(y.scale)")) }
            if !agree(x.lower, y.lower) || !agree(x.upper, y.upper) {
                let span = max(abs(x.upper - x.lower), .leastNormalMagnitude)
                let size = max(abs(x.lower - y.lower), abs(x.upper - y.upper)) / span
                changes.append(Change(size: size, sentence: "\(panel): \(axis) limits \(Self.format(x.lower))…\(Self.format(x.upper)) → \(Self.format(y.lower))…\(Self.format(y.upper))"))
            }
        }
        if a.marks.count != b.marks.count {
            changes.append(Change(size: 1, sentence: "\(panel): \(a.marks.count) marks → \(b.marks.count)"))
        }
        for (i, (m, n)) in zip(a.marks, b.marks).enumerated() {
            let series = "\(panel), " + (n.label.map { "series \"\($0)\"" } ?? "\(n.kind) \(i + 1)")
            if m.kind != n.kind || m.label != n.label {
                changes.append(Change(size: 1, sentence: "\(panel): mark \(i + 1) was \(m.kind) \(m.label.map { "\"\($0)\"" } ?? "") → \(n.kind) \(n.label.map { "\"\($0)\"" } ?? "")"))
                continue
            }
            if m.text != n.text { changes.append(text("\(series): text", m.text, n.text)) }
            let names = m.arrays.map(\.name) + n.arrays.map(\.name).filter { name in !m.arrays.contains { $0.name == name } }
            for name in names {
                changes += arrayChanges(m.array(name), n.array(name), in: n, series: series, xName: b.x.label ?? "x")
            }
        }
        return changes
    }

    func arrayChanges(_ a: NumberArray?, _ b: NumberArray?, in mark: MarkData, series: String, xName: String = "x") -> [Change] {
        guard let a, let b else {
            let name = (a ?? b)?.name ?? ""
            return [Change(size: 1, sentence: "\(series): \(name) \(a == nil ? "added" : "removed")")]
        }
        guard a.shape == b.shape else {
            return [Change(size: 1, sentence: "\(series): \(b.name): shape \(Self.shape(a.shape)) → \(Self.shape(b.shape))")]
        }
        if b.name == "fill" { return colorChanges(a, b, series: series) }
        var moved = 0, worst = -1.0, worstIndex = 0
        var lowest = Double.infinity, highest = -Double.infinity
        for (i, (p, q)) in zip(a.values, b.values).enumerated() {
            if p.isFinite { lowest = min(lowest, p); highest = max(highest, p) }
            guard !agree(p, q) else { continue }
            moved += 1
            let delta = p.isFinite && q.isFinite ? abs(p - q) : .infinity
            if delta > worst { (worst, worstIndex) = (delta, i) }
        }
        guard moved > 0 else { return [] }
        let range = highest > lowest ? highest - lowest : max(abs(highest), 1)
        if b.name == "color_limits", a.values.count == 2 {
            return [Change(size: worst.isFinite ? worst / range : .infinity,
                           sentence: "\(series): color limits \(Self.format(a.values[0]))…\(Self.format(a.values[1])) → \(Self.format(b.values[0]))…\(Self.format(b.values[1]))")]
        }
        let (p, q) = (a.values[worstIndex], b.values[worstIndex])
        let count = a.values.count == 1 ? "" : "\(a.values.count) \(a.shape.count == 2 ? "cells" : "points"), \(moved) moved, "
        let sentence = "\(series): \(b.name): \(count)max |Δ| \(Self.format(worst))\(where_(worstIndex, array: b, in: mark, xName: xName)) (\(Self.format(p)) → \(Self.format(q)))"
        return [Change(size: worst.isFinite ? worst / range : .infinity, sentence: sentence)]
    }

    /// Colours (0xRRGGBB) that changed: how many, and the first, in hex.
    func colorChanges(_ a: NumberArray, _ b: NumberArray, series: String) -> [Change] {
        let changed = zip(a.values, b.values).enumerated().filter { $0.element.0 != $0.element.1 }
        guard let first = changed.first else { return [] }
        func hex(_ v: Double) -> String { String(format: "#%06x", Int(v)) }
        return [Change(size: Double(changed.count) / Double(max(a.values.count, 1)),
                       sentence: "\(series): colours: \(changed.count) of \(a.values.count) changed, first at item \(first.offset + 1) (\(hex(first.element.0)) → \(hex(first.element.1)))")]
    }

    /// " at step = 128" (the panel's x label), " at row 3, column 7", or "" for a single number.
    func where_(_ index: Int, array: NumberArray, in mark: MarkData, xName: String) -> String {
        if array.shape.count == 2, array.shape[1] > 0 {
            return " at row \(index / array.shape[1] + 1), column \(index % array.shape[1] + 1)"
        }
        guard array.values.count > 1 else { return "" }
        if array.name != "x", let x = mark.array("x"), x.values.count == array.values.count {
            return " at \(xName) = \(Self.format(x.values[index]))"
        }
        return " at point \(index + 1)"
    }

    func agree(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return abs(a - b) <= absoluteTolerance + relativeTolerance * abs(a)
    }

    func relative(_ a: Double, _ b: Double) -> Double {
        guard a.isFinite, b.isFinite else { return .infinity }
        return abs(a - b) / max(abs(a), abs(b), .leastNormalMagnitude)
    }

    func text(_ what: String, _ a: String?, _ b: String?) -> Change {
        Change(size: 1, sentence: "\(what) \(a.map { "\"\($0)\"" } ?? "none") → \(b.map { "\"\($0)\"" } ?? "none")")
    }

    static func shape(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: " × ") }

    /// Four significant figures, as a reader compares numbers.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "∞" : "−∞" }
        if v == v.rounded(), abs(v) < 1e6 { return String(Int(v)) }
        return String(format: "%.4g", v)
    }
}
