/// The font of a piece of text: size in points and weight.
public struct TextStyle: Hashable, Sendable {
    public var size: Double
    public var bold: Bool
    public init(size: Double, bold: Bool = false) {
        self.size = size
        self.bold = bold
    }
}

/// The logical box of a laid-out text, in points, unrotated.
public struct TextExtent: Equatable, Sendable {
    public var width: Double
    public var height: Double
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }
}

/// Measures text for the layout pass. `PangoText.shared` is the real one; tests may pass a
/// simple stand-in so that layout stays a pure, testable function.
public protocol TextMeasuring {
    /// The size of `markup` (Pango markup; invalid markup is measured as literal text).
    func measure(_ markup: String, style: TextStyle) -> TextExtent
}

/// A crude measurer: every character is 0.6 em wide, lines (split at newlines) are 1.2 em high.
/// For tests.
public struct ApproximateTextMeasurer: TextMeasuring {
    public init() {}
    public func measure(_ markup: String, style: TextStyle) -> TextExtent {
        let lines = markup.split(separator: "\n", omittingEmptySubsequences: false)
        return TextExtent(width: Double(lines.map(\.count).max() ?? 0) * 0.6 * style.size,
                          height: 1.2 * style.size * Double(lines.count))
    }
}
