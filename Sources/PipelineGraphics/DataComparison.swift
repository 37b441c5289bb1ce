import Foundation
import Plot

/// A figure's data file (`NAME.data.json`) compared between a baseline and a new version: what
/// `check` and `diff` say about a figure in the data's own terms.
enum DataComparison: Sendable, Equatable {
    /// The numbers agree (within the tolerances); `identicalBytes` when the files are equal.
    case agree(identicalBytes: Bool)
    /// What moved, largest first, and both versions (for drawing them).
    case changed([String], old: FigureData, new: FigureData)
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
            let (old, new) = (try FigureData.parse(a, path: baseline.name), try FigureData.parse(b, path: new.name))
            let changes = diff.changes(from: old, to: new)
            return changes.isEmpty ? .agree(identicalBytes: false) : .changed(changes.map(\.sentence), old: old, new: new)
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// The verdict on a data file whose numbers moved.
    static func differs(_ changes: [String]) -> ReproductionCheck.Comparison.Verdict {
        .differs("the data differ: \(changes.count) change\(changes.count == 1 ? "" : "s")")
    }

    /// Compares the files at two paths.
    static func files(baseline: String, new: String, name: String, diff: FigureDataDiff) -> DataComparison {
        compare(baseline: (read(baseline), name), new: (read(new), name), diff: diff)
    }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }
}
