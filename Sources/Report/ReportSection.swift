import Plot

/// One section of the report: a heading, what it shows, a figure and a caption with its numbers.
/// The HTML page and the PDF show the same sections in the same order.
public struct ReportSection: Sendable {
    public var title: String
    /// What the figure shows and how to read it.
    public var explanation: String
    public var figure: Figure
    /// The numbers behind the figure, in words.
    public var caption: String

    public init(title: String, explanation: String, figure: Figure, caption: String = "") {
        self.title = title; self.explanation = explanation; self.figure = figure; self.caption = caption
    }
}
