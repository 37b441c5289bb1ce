import Foundation
import Reproducible

/// How an axis's tick labels are set: which ticks keep a label, the label texts (possibly
/// wrapped onto several lines) and the angle they are drawn at.
struct TickLabelFit: Equatable {
    var ticks: [Tick]
    /// 0, −π/4 (reading up to the right, ending at the tick) or −π/2 (reading upwards).
    var angle: Double

    static let level = 0.0, diagonal = -Double.pi / 4, vertical = -Double.pi / 2
}

/// Resolves crowded tick labels instead of drawing them on top of one another.
///
/// On an x axis it tries, in order: fewer ticks (only for numbers: every second, third, …
/// tick, keeping at least two), labels wrapped onto two or three lines at spaces or dots,
/// labels turned 45°, then 90°. Category names (any label that is not a number) are never
/// thinned before they are wrapped and turned, since each names a different thing; only when
/// even upright labels cannot fit are they thinned too. On a y axis labels are only thinned.
enum TickLabelFitter {
    /// Neighbouring labels keep at least this many ems apart.
    static let gap = 0.3

    static func x(_ ticks: [Tick], positions: (Tick) -> Double, style: Style, measurer: TextMeasuring) -> TickLabelFit {
        let textStyle = TextStyle(size: style.tickLabelSize)
        let categorical = ticks.contains { !isNumber($0.label) }
        func fits(_ candidate: [Tick], angle: Double) -> Bool {
            clear(candidate, angle: angle, positions: positions, textStyle: textStyle, measurer: measurer)
        }
        if fits(ticks, angle: TickLabelFit.level) { return TickLabelFit(ticks: ticks, angle: TickLabelFit.level) }
        if !categorical, let thinned = thinned(ticks, where: { fits($0, angle: TickLabelFit.level) }) {
            return TickLabelFit(ticks: thinned, angle: TickLabelFit.level)
        }
        for lines in [2, 3] {
            let wrapped = ticks.map { Tick($0.value, wrap($0.label, lines: lines, style: textStyle, measurer: measurer)) }
            if wrapped != ticks && fits(wrapped, angle: TickLabelFit.level) {
                return TickLabelFit(ticks: wrapped, angle: TickLabelFit.level)
            }
        }
        for angle in [TickLabelFit.diagonal, TickLabelFit.vertical] where fits(ticks, angle: angle) {
            return TickLabelFit(ticks: ticks, angle: angle)
        }
        let thinnedUpright = thinned(ticks) { fits($0, angle: TickLabelFit.vertical) }
        return TickLabelFit(ticks: thinnedUpright ?? Array(ticks.prefix(1)), angle: TickLabelFit.vertical)
    }

    /// X tick labels at a requested angle (level, diagonal or vertical), thinned only if even
    /// then they would collide.
    static func x(_ ticks: [Tick], angle: Double, positions: (Tick) -> Double, style: Style, measurer: TextMeasuring) -> TickLabelFit {
        let textStyle = TextStyle(size: style.tickLabelSize)
        func fits(_ candidate: [Tick]) -> Bool {
            clear(candidate, angle: angle, positions: positions, textStyle: textStyle, measurer: measurer)
        }
        if fits(ticks) { return TickLabelFit(ticks: ticks, angle: angle) }
        return TickLabelFit(ticks: thinned(ticks, where: fits) ?? Array(ticks.prefix(1)), angle: angle)
    }

    /// Y tick labels, thinned until neighbours keep a gap.
    static func y(_ ticks: [Tick], positions: (Tick) -> Double, style: Style, measurer: TextMeasuring) -> [Tick] {
        let textStyle = TextStyle(size: style.tickLabelSize)
        func fits(_ candidate: [Tick]) -> Bool {
            let placed = candidate.map { (positions($0), measurer.measure($0.label, style: textStyle).height) }.sorted { $0.0 < $1.0 }
            return zip(placed, placed.dropFirst()).allSatisfy { a, b in b.0 - a.0 >= (a.1 + b.1) / 2 + gap * textStyle.size }
        }
        if fits(ticks) { return ticks }
        if ticks.contains(where: { $0.label.isEmpty }) { return greedy(ticks, positions: positions, where: fits) }
        return thinned(ticks, where: fits) ?? Array(ticks.prefix(1))
    }

    /// Ticks of which only some are labelled (a log axis labels its small mantissas): every tick
    /// stays, and the labels are kept by Vega's "greedy" rule, each one that clears the last
    /// kept, from the lowest value up. Thinning by parity would drop a decade's label ("1").
    static func greedy(_ ticks: [Tick], positions: (Tick) -> Double, where fits: ([Tick]) -> Bool) -> [Tick] {
        var last: Tick?
        return ticks.sorted { positions($0) < positions($1) }.map { tick in
            guard !tick.label.isEmpty else { return tick }
            if let kept = last, !fits([kept, tick]) { return Tick(tick.value, "") }
            last = tick
            return tick
        }
    }

    /// Every k-th tick for the smallest k that `fits`, keeping at least two; nil if none does.
    static func thinned(_ ticks: [Tick], where fits: ([Tick]) -> Bool) -> [Tick]? {
        guard ticks.count > 2 else { return nil }
        for k in 2...max(2, ticks.count - 1) {
            let kept = ticks.enumerated().filter { $0.offset % k == 0 }.map(\.element)
            if kept.count < 2 { return nil }
            if fits(kept) { return kept }
        }
        return nil
    }

    /// Whether no two neighbouring labels come closer than the gap, at `angle`. Level labels
    /// need their half-widths apart; turned labels are parallel strips whose distance across
    /// is the spacing times sin(angle), which must exceed their line height.
    static func clear(_ ticks: [Tick], angle: Double, positions: (Tick) -> Double, textStyle: TextStyle,
                      measurer: TextMeasuring) -> Bool {
        let placed = ticks.map { (positions($0), measurer.measure($0.label, style: textStyle)) }.sorted { $0.0 < $1.0 }
        let space = gap * textStyle.size
        return zip(placed, placed.dropFirst()).allSatisfy { a, b in
            let spacing = b.0 - a.0
            if angle == 0 { return spacing >= (a.1.width + b.1.width) / 2 + space }
            return spacing * abs(ReproducibleMath.sinCos(angle).sin) >= max(a.1.height, b.1.height) + space
        }
    }

    /// `label` broken onto at most `lines` lines at spaces or after dots (outside markup tags),
    /// at the breaks that make the widest line narrowest. Unchanged if it has no break.
    static func wrap(_ label: String, lines: Int, style: TextStyle, measurer: TextMeasuring) -> String {
        let characters = Array(label)
        var breaks: [(index: Int, replaces: Bool)] = []
        var inTag = false
        for (i, ch) in characters.enumerated() {
            if ch == "<" { inTag = true } else if ch == ">" { inTag = false }
            guard !inTag, i > 0, i < characters.count - 1 else { continue }
            if ch == " " { breaks.append((i, true)) }
            // After a dot that is not a decimal point.
            if ch == ".", !(characters[i - 1].isNumber && characters[i + 1].isNumber), characters[i + 1] != " " {
                breaks.append((i + 1, false))
            }
        }
        guard !breaks.isEmpty, !label.contains("\n") else { return label }
        func apply(_ chosen: [(index: Int, replaces: Bool)]) -> String {
            var result = characters
            for b in chosen.sorted(by: { $0.index > $1.index }) {
                if b.replaces { result[b.index] = "\n" } else { result.insert("\n", at: b.index) }
            }
            return String(result)
        }
        var best = label, bestWidth = measurer.measure(label, style: style).width
        for chosen in combinations(breaks, choose: min(lines - 1, breaks.count)) {
            let candidate = apply(chosen)
            let width = measurer.measure(candidate, style: style).width
            if width < bestWidth - 1e-9 { best = candidate; bestWidth = width }
        }
        return best
    }

    static func combinations<T>(_ items: [T], choose k: Int) -> [[T]] {
        guard k > 0 else { return [[]] }
        guard items.count >= k else { return [] }
        var result: [[T]] = []
        for (i, item) in items.enumerated() {
            for rest in combinations(Array(items[(i + 1)...]), choose: k - 1) { result.append([item] + rest) }
        }
        return result
    }

    /// A label that reads as a number (its markup stripped): "0.5", "−2", "10<sup>3</sup>".
    /// (A scan, not a regular expression: building one per label was a tenth of a heatmap's time.)
    static func isNumber(_ label: String) -> Bool {
        let chars = Array(label)
        var k = 0, kept = 0
        while k < chars.count {
            // A tag runs from "<" to the first ">" after it; a "<" that no ">" closes is text.
            if chars[k] == "<", let close = chars[k...].firstIndex(of: ">") { k = close + 1; continue }
            let c = chars[k]
            k += 1
            if c == "×" { continue }
            guard c.isNumber || c == "−" || "+-.eE%".contains(c) else { return false }
            kept += 1
        }
        return kept > 0
    }
}
