/// One of the files a figure is written to, beside the others at one prefix: `PREFIX.png`,
/// `.pdf`, `.svg`, `.caption.txt` and `.data.json`. A pipeline stage asks its writer for
/// exactly the files it declares, so nothing undeclared is left behind in its temporaries.
public enum FigureFile: String, CaseIterable, Sendable {
    case png, pdf, svg
    case caption = "caption.txt"
    case data = "data.json"

    /// What follows the prefix: `.png`, `.caption.txt`, ...
    public var suffix: String { "." + rawValue }

    /// The files a recipe draws (a recipe has no SVG form).
    public static let recipe: [FigureFile] = [.png, .pdf, .caption, .data]

    /// Parses a comma-separated list (`png,pdf,caption.txt`), naming the choices on a bad entry.
    public static func list(_ text: String) throws(FigureFileError) -> [FigureFile] {
        try text.split(separator: ",").map { entry throws(FigureFileError) in
            guard let file = FigureFile(rawValue: String(entry.filter { $0 != " " })) else {
                throw FigureFileError(entry: String(entry))
            }
            return file
        }
    }
}

public struct FigureFileError: Error, CustomStringConvertible {
    public var entry: String
    public var description: String {
        "no figure file '\(entry)': choose among \(FigureFile.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
