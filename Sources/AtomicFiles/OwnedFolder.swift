#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a folder Rederive made holds, written in its marker so that one command never replaces
/// another's folder (`analyze --out RUN` must not replace the run it reads).
public enum FolderKind: String, Sendable, CaseIterable {
    case run, analysis, report, figures, slides
    case checkReport = "check-report"
    case checkScratch = "check-scratch"
    /// A pipeline stage's folder output, moved into place by `make`.
    case stageOutput = "stage-output"
    /// `rederive patch`'s sweeps.
    case patching
}

/// Folders Rederive makes carry a marker file, so that a later command knows it may replace or
/// remove them, and refuses any other folder (git's rule: never delete what you did not make).
///
/// The marker is a hidden file, `.rederive-folder`, holding `rederive KIND`. The pipeline's file
/// hasher skips it, so a folder's content hash is what the command wrote, with or without it.
public enum OwnedFolder {
    public static let markerName = ".rederive-folder"

    /// Who owns what is at a path, from the point of view of replacing it.
    public enum State: Equatable, Sendable {
        /// Nothing there (a dangling symlink counts: replacing it leaves its target alone).
        case absent
        /// An empty folder, or a symlink to something: replacing either loses nothing.
        case empty
        /// A folder that Rederive made, of this kind.
        case ours(FolderKind)
        /// A folder holding files Rederive did not mark; `sample` names a few of them.
        case notOurs(sample: [String])
        /// A file, not a folder.
        case file
    }

    /// Marks `folder` (which must exist) as made by Rederive for `kind`.
    public static func mark(_ folder: String, as kind: FolderKind) throws(AtomicFileError) {
        try AtomicFile.write(Array("rederive \(kind.rawValue)\n".utf8), to: folder + "/" + markerName, durable: false)
    }

    /// The kind recorded in `folder`'s marker, or nil where there is none.
    public static func kind(of folder: String) -> FolderKind? {
        guard let bytes = try? AtomicFile.readIfExists(folder + "/" + markerName), bytes.count < 64 else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("rederive ") else { return nil }
        return FolderKind(rawValue: String(text.dropFirst(9).prefix { $0 != "\n" }))
    }

    public static func state(of path: String) -> State {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .absent }
        switch info.st_mode & S_IFMT {
        case S_IFLNK: return .empty
        case S_IFDIR: break
        default: return .file
        }
        if let kind = kind(of: path) { return .ours(kind) }
        let names = AtomicFile.entries(of: path).sorted()
        return names.isEmpty ? .empty : .notOurs(sample: Array(names.prefix(3)))
    }

    /// Throws unless `path` is absent, empty, or a folder Rederive made as one of `kinds`.
    /// `advice` says what the user can do instead (e.g. "choose a new folder, or pass --force").
    public static func requireReplaceable(_ path: String, by kinds: Set<FolderKind>, advice: String) throws(AtomicFileError) {
        let problem: String
        switch state(of: path) {
        case .absent, .empty: return
        case .ours(let kind) where kinds.contains(kind): return
        case .ours(let kind): problem = "holds a \(kind.rawValue) folder that Rederive made for another purpose"
        case .notOurs(let sample):
            problem = "holds files that Rederive did not make (" + sample.joined(separator: ", ")
                + (sample.count == 3 ? ", …" : "") + ")"
        case .file: problem = "is a file, not a folder"
        }
        throw AtomicFileError(path: path, refusal: problem, advice: advice)
    }

    /// Checks, before any work, that a command may build `out` whole as a folder of `kind`: it
    /// must not be, or hold, any of `sources` (what the command reads; `analyze --out RUN` would
    /// otherwise replace the run it analyses), and must be absent, empty or Rederive's own of
    /// that kind. With `force`, a folder refused only for its owner is set aside as
    /// `OUT.kept-N`, whose path is returned; nothing is ever deleted.
    @discardableResult
    public static func claim(_ out: String, as kind: FolderKind, reading sources: [String],
                             force: Bool) throws(AtomicFileError) -> String? {
        let target = resolved(out)
        for source in sources {
            let read = resolved(source)
            if read == target || read.hasPrefix(target == "/" ? "/" : target + "/") {
                throw AtomicFileError(path: out, refusal: (read == target ? "is " : "holds ") + "\(source), which this command reads",
                                      advice: "choose an output folder outside it; nothing was changed")
            }
        }
        do {
            try requireReplaceable(out, by: [kind], advice: "choose a new or empty folder, or pass --force to keep its "
                                   + "contents aside as \(out).kept-N; nothing was changed")
            return nil
        } catch {
            guard force, state(of: out) != .file else { throw error }
            return try setAside(out)
        }
    }

    /// `claim`, then `AtomicFile.beginFolder`: the temporary folder to fill and commit as `kind`.
    /// `note` is told where a forced claim kept the old contents.
    public static func begin(_ out: String, as kind: FolderKind, reading sources: [String], force: Bool,
                             note: (String) -> Void) throws(AtomicFileError) -> String {
        if let kept = try claim(out, as: kind, reading: sources, force: force) {
            note("kept the earlier contents of \(out) in \(kept)")
        }
        return try AtomicFile.beginFolder(out)
    }

    /// `path` with every symlink in its existing part resolved and `.`/`..` folded, so that two
    /// spellings of one folder compare equal. The part that does not exist yet is kept as given.
    public static func resolved(_ path: String) -> String {
        var head = path.isEmpty ? "." : path
        var tail = [String]()
        while true {
            if let real = realpath(head, nil) {
                defer { free(real) }
                var parts = String(cString: real).split(separator: "/").map(String.init)
                for part in tail.reversed() {
                    if part == "..", !parts.isEmpty { parts.removeLast() } else if part != ".", part != ".." { parts.append(part) }
                }
                return "/" + parts.joined(separator: "/")
            }
            if head == "." || head == "/" { return path }  // the working folder is gone: compare as given
            guard let slash = head.lastIndex(of: "/") else {
                tail.append(head)
                head = "."
                continue
            }
            tail.append(String(head[head.index(after: slash)...]))
            head = slash == head.startIndex ? "/" : String(head[..<slash])
        }
    }

    /// Moves a folder that `requireReplaceable` refused out of the way, to the first free
    /// `PATH.kept-N` beside it, so that `--force` loses nothing. Returns the new path.
    public static func setAside(_ path: String) throws(AtomicFileError) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        var info = stat()
        for n in 1...10_000 {
            let candidate = trimmed + ".kept-\(n)"
            guard lstat(candidate, &info) != 0 else { continue }
            if rename(trimmed, candidate) != 0 { throw AtomicFileError(path: trimmed, operation: .write, errno: errno) }
            return candidate
        }
        throw AtomicFileError(path: trimmed, refusal: "has 10,000 kept copies beside it already", advice: "remove some of them")
    }
}
