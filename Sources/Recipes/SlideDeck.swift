import Plot

/// Pages of a 16:9 talk deck, built from the recipes' figures.
enum SlideDeck {
    /// A page with only centred text: the deck's title and subtitle.
    static func titlePage(title: String, subtitle: String) -> Figure {
        let panel = Panel(marks: [.text("<b>\(title)</b>", x: 0.5, y: 0.62, size: 30),
                                  .text(subtitle, x: 0.5, y: 0.42, size: 18)],
                          xLimits: 0...1, yLimits: 0...1, xTicks: .hidden, yTicks: .hidden, frame: false)
        return Figure(panel, style: .talk)
    }

    /// A figure restyled for a slide, with the recipe's title on top and its caption below.
    static func page(_ figure: Figure, title: String, caption: String) -> Figure {
        var page = figure.styled(.talk)
        page.suptitle = title
        page.caption = Markup.escape(caption)
        return page
    }
}
