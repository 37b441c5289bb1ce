import Foundation
import Plot

/// Pages of a 16:9 talk deck, built from the recipes' figures.
///
/// A slide is not a shrunk paper figure: each figure is laid out afresh in the talk style
/// (14 pt and larger text) on a 960 × 540 pt page, under the recipe's title and over its
/// caption. The reflow rule: when a figure of several rows would leave a plot shorter than
/// `minimumPlotHeight` (or cannot be laid out at all), it goes on one slide per row, titled
/// "Title (1/2)", "(2/2)", each with the caption. Long captions lose the sentences that hold no
/// number (the ones that explain the method) when they take more than `maximumCaptionLines`.
public enum SlideDeck {
    static let minimumPlotHeight = 150.0
    static let maximumCaptionLines = 3

    /// A page with only centred text: the deck's title and subtitle.
    static func titlePage(title: String, subtitle: String) -> Figure {
        let panel = Panel(marks: [.text("<b>\(title)</b>", x: 0.5, y: 0.62, size: 30),
                                  .text(subtitle, x: 0.5, y: 0.42, size: 18)],
                          xLimits: 0...1, yLimits: 0...1, xTicks: .hidden, yTicks: .hidden, frame: false)
        return Figure(panel, style: .talk)
    }

    /// The slides of one figure: usually one, one per row when the rows do not fit together.
    static func pages(_ figure: Figure, title: String, caption: String) -> [Figure] {
        var text = Markup.escape(caption)
        var whole = page(figure, title: title, caption: text)
        // The caption's lines on an empty page of the same size and style.
        var empty = Figure(style: .talk, grid: [])
        empty.caption = text
        if let lines = try? Renderer.layout(empty).caption.count, lines > maximumCaptionLines {
            text = Markup.escape(numbered(caption))
            whole.caption = text
        }
        guard figure.grid.count > 1 else { return [whole] }
        if let layout = try? Renderer.layout(whole), layout.panels.allSatisfy({ $0.plot.height >= minimumPlotHeight }) {
            return [whole]
        }
        return figure.grid.enumerated().map { index, row in
            var part = figure
            part.grid = [row]
            return page(part, title: "\(title) (\(index + 1)/\(figure.grid.count))", caption: text)
        }
    }

    /// A figure restyled for a slide, with a title on top and a caption (markup) below.
    static func page(_ figure: Figure, title: String, caption: String) -> Figure {
        var page = figure.styled(.talk)
        page.suptitle = title
        page.caption = caption
        return page
    }

    /// The deck's colours: the talk style, or the same on a dark ground.
    public enum Theme: String, Sendable, CaseIterable {
        case light, dark

        var style: Style { self == .light ? .talk : .talkDark }
    }

    /// The pages in `theme`, each numbered "n / N" at the foot (the title page is not).
    static func themedAndNumbered(_ pages: [Figure], theme: Theme) -> [Figure] {
        pages.enumerated().map { index, page in
            var styled = page.styled(theme.style, keepSize: true)
            if index > 0 {
                let number = "\(index) / \(pages.count - 1)"
                styled.caption = (styled.caption.map { $0 + "\n" } ?? "") + number
            }
            return styled
        }
    }

    /// The sentences of `caption` that quote a number (all of it if none does).
    static func numbered(_ caption: String) -> String {
        let sentences = caption.components(separatedBy: ". ").map { $0.hasSuffix(".") ? $0 : $0 + "." }
        let kept = sentences.filter { $0.contains(where: \.isNumber) }
        return kept.isEmpty ? caption : kept.joined(separator: " ")
    }
}
