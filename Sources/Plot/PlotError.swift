/// Errors that describe the figure at fault and what to change.
public enum PlotError: Error, Equatable, CustomStringConvertible {
    /// A range bound was NaN or infinite.
    case nonFiniteRange(lower: Double, upper: Double, context: String)
    /// A log axis or log norm got a range that is not strictly positive.
    case nonPositiveLogRange(lower: Double, upper: Double, context: String)
    /// A mark had no finite values at all, so nothing can be scaled or drawn.
    case noFiniteData(panel: String, mark: String)
    /// Arrays of one mark have different lengths.
    case lengthMismatch(panel: String, mark: String, expected: Int, actual: Int)
    /// A heatmap's matrix is not rectangular or empty.
    case badMatrix(panel: String, detail: String)
    /// The figure is too small for its decorations.
    case figureTooSmall(width: Double, height: Double, detail: String)
    /// The PNG would be empty or larger than Cairo allows (32767 pixels a side).
    case invalidPixelSize(width: Double, height: Double, dpi: Double)
    /// A PDF document was asked for with no figures.
    case emptyDocument
    /// A bundled file (font or data) is missing.
    case resourceMissing(path: String)
    /// Pango or fontconfig could not be set up.
    case fonts(String)
    /// Cairo reported an error.
    case cairo(status: String, during: String)
    /// libpng failed.
    case png(String)
    /// Writing the output file failed.
    case write(path: String, reason: String)

    public var description: String {
        switch self {
        case let .nonFiniteRange(lower, upper, context):
            return "\(context): the range [\(lower), \(upper)] is not finite; pass finite limits or drop NaN/inf data"
        case let .nonPositiveLogRange(lower, upper, context):
            return "\(context): a log scale needs positive values but got [\(lower), \(upper)]; use a linear scale or positive limits"
        case let .noFiniteData(panel, mark):
            return "\(panel): the \(mark) has no finite values (all NaN or infinite); check the data or drop the mark"
        case let .lengthMismatch(panel, mark, expected, actual):
            return "\(panel): the \(mark) has arrays of different lengths (\(expected) vs \(actual)); make them equal"
        case let .badMatrix(panel, detail):
            return "\(panel): heatmap matrix \(detail)"
        case let .figureTooSmall(width, height, detail):
            return "a \(width) x \(height) pt figure is too small: \(detail); enlarge it or use a smaller style"
        case let .invalidPixelSize(width, height, dpi):
            return "a PNG of \(width) x \(height) pixels (at \(dpi) dpi) cannot be made; each side must be 1 to 32767 pixels, so change the size or the DPI"
        case .emptyDocument:
            return "a PDF needs at least one figure; pass one or more figures"
        case let .resourceMissing(path):
            return "the bundled file \(path) is missing; rebuild the package so that its resources are copied"
        case let .fonts(detail):
            return "font set-up failed: \(detail)"
        case let .cairo(status, during):
            return "Cairo failed while \(during): \(status)"
        case let .png(detail):
            return "PNG encoding failed: \(detail)"
        case let .write(path, reason):
            return "could not write \(path): \(reason)"
        }
    }
}
