import Foundation
import Plot

/// A figure's data file (`NAME.data.json`) compared between a baseline and a new version: what
/// `check` and `diff` say about a figure in the data's own terms.
enum DataComparison: Sendable, Equatable {
    /// The numbers agree (within the tolerances); `identicalBytes` when the files are equal.
    case agree(identicalBytes: Bool)
    /// What moved, largest first.
    case changed([String])
    /// A file that does not parse, named with its line.
    case unreadable(String)
    /// No baseline data file: a baseline made before figures recorded their data.
    case noBaseline
    case noNew

    /// Compares two versions given as bytes (nil: the file does not exist), named for errors.
    static func compare(baseline: (bytes: [UInt8]?, name: String), new: (bytes: [UInt8]?, name: String),
                        diff: FigureDataDiff) -> DataComparison {
        guard let a = baseline.bytes else { return .noBaseline }
        guard let b = new.bytes else { return .noNew }
        if a == b { return .agree(identicalBytes: true) }
        do {
            let changes = diff.changes(from: try FigureData.parse(a, path: baseline.name), to: try FigureData.parse(b, path: new.name))
            return changes.isEmpty ? .agree(identicalBytes: false) : .changed(changes.map(\.sentence))
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Compares the files at two paths.
    static func files(baseline: String, new: String, name: String, diff: FigureDataDiff) -> DataComparison {
        compare(baseline: (read(baseline), name), new: (read(new), name), diff: diff)
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
