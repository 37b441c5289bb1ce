#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles
import Foundation

/// The names of a make's temporary outputs. Each make (and each `run-stage`) writes its stages'
/// outputs to paths that carry its own process id, `DIR/.rederive-tmp-PID.NAME`, and
/// `AtomicFile.commitFolder` sets an old folder aside as `DIR/.NAME.rederive-previous-PID` while
/// replacing it. So a stage process that outlived a killed make (its watchdog kills it, but it
/// may take a moment to die) can only write into the dead make's temporaries, never into this
/// make's, and only outputs written at this make's own paths, by a process it started and
/// waited for, are moved into place.
///
/// The names are hidden, in the output's own folder (so the final rename is atomic), and keep
/// the output's name last, extension included, for writers that pick a format from it.
enum OutputTemporaries {
    static let temporaryPrefix = ".rederive-tmp-"
    static let asideMarker = AtomicFile.asideSuffix
    /// Names of builds before temporaries were per make: `.rederive-tmp.NAME`, `NAME.rederive-old`.
    static let legacyPrefix = ".rederive-tmp."
    static let legacySuffix = ".rederive-old"

    /// Where the make with process id `owner` writes the output `final`.
    static func temporaryPath(for final: String, owner: Int32 = getpid()) -> String {
        let (folder, name) = split(final)
        return folder + "/" + temporaryPrefix + String(owner) + "." + name
    }

    /// The process that owns a temporary's file name, and the output it stands for; nil for
    /// other names.
    static func parse(_ entry: String) -> (owner: Int32, output: String)? {
        if entry.hasPrefix(temporaryPrefix) {
            let rest = entry.dropFirst(temporaryPrefix.count)
            guard let dot = rest.firstIndex(of: "."), let owner = Int32(rest[..<dot]), owner > 0 else { return nil }
            return (owner, String(rest[rest.index(after: dot)...]))
        }
        // `.NAME.rederive-previous-PID`: a folder set aside mid-commit by a make killed before it was
        // removed (the output is then missing, so its stage runs again).
        guard entry.hasPrefix("."), let marker = entry.range(of: asideMarker, options: .backwards),
              let owner = Int32(entry[marker.upperBound...]), owner > 0 else { return nil }
        return (owner, String(entry[entry.index(after: entry.startIndex)..<marker.lowerBound]))
    }

    /// Removes, in `folder`, the temporaries of makes that are no longer running (a live make's,
    /// such as another pipeline's in a shared folder, are kept), the legacy temporaries of
    /// `outputs` (names in this folder), and the atomic writer's own stale `.NAME.rederive-tmp-PID`
    /// files. Returns the names removed.
    @discardableResult
    static func removeStale(in folder: String, outputs: Set<String>) -> [String] {
        var removed = [String]()
        for entry in AtomicFile.entries(of: folder).sorted() {
            let stale: Bool
            if let (owner, _) = parse(entry) {
                stale = !AtomicFile.isRunning(owner)
            } else if entry.hasPrefix(legacyPrefix) {
                stale = outputs.contains(String(entry.dropFirst(legacyPrefix.count)))
            } else if entry.hasSuffix(legacySuffix) {
                stale = outputs.contains(String(entry.dropLast(legacySuffix.count)))
            } else {
                stale = false
            }
            if stale {
                AtomicFile.remove(folder + "/" + entry)
                removed.append(entry)
            }
        }
        return removed + AtomicFile.removeStaleTemporaries(in: folder)
    }

    /// The temporaries of `final` that makes no longer running left in its folder.
    static func stale(for final: String) -> [String] {
        let (folder, name) = split(final)
        return AtomicFile.entries(of: folder).sorted().filter { entry in
            guard let (owner, output) = parse(entry) else { return entry == legacyPrefix + name || entry == name + legacySuffix }
            return output == name && !AtomicFile.isRunning(owner)
        }.map { folder + "/" + $0 }
    }

    /// ("DIR", "NAME") for an absolute "DIR/NAME".
    private static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
