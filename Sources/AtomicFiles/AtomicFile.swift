#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers never see half of one: the bytes go to a hidden temporary file
/// in the same folder (`.NAME.rederive-tmp-PID`), are flushed, and are renamed over the destination. A
/// crash, a full disk or Ctrl-C leaves either the old file or the new one, never a mix.
///
/// This is the one atomic writer of the package. It lives in its own module with no
/// dependencies because Plot must not depend on Tensor, and both (and everything above them)
/// write files. A process killed between open and rename leaves its temporary file behind;
/// `removeStaleTemporaries(in:)` lets the next process that owns the folder clean it up.
public enum AtomicFile {
    /// Writes `bytes` to `path`, creating missing parent folders. `durable` flushes the data
    /// to disk before the rename (off for caches, which may come back empty after a power cut).
    public static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws(AtomicFileError) {
        try makeFolders(parentOf: path)
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw AtomicFileError(path: path, operation: .write, errno: errno) }
        var written = 0
        var failure: Int32?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = systemWrite(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += n
            }
        }
        if failure == nil && durable && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == nil { failure = errno }
        if failure == nil && rename(temporary, path) != 0 { failure = errno }
        if let failure {
            unlink(temporary)
            throw AtomicFileError(path: path, operation: .write, errno: failure)
        }
    }

    /// The whole file.
    public static func read(_ path: String) throws(AtomicFileError) -> [UInt8] {
        guard let bytes = try readIfExists(path) else { throw AtomicFileError(path: path, operation: .read, errno: ENOENT) }
        return bytes
    }

    /// The whole file, or nil if it does not exist.
    public static func readIfExists(_ path: String) throws(AtomicFileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw AtomicFileError(path: path, operation: .read, errno: errno)
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            throw AtomicFileError(path: path, operation: .read, errno: EISDIR)
        }
        var result = [UInt8]()
        result.reserveCapacity(Int(info.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFileError(path: path, operation: .read, errno: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// Starts writing a whole folder at `path`: returns a fresh, empty temporary folder beside
    /// it (`.NAME.rederive-tmp-PID`) to fill, then hand to `commitFolder(_:to:)`. Temporaries of killed
    /// processes beside `path` are removed first, and a previous folder that a kill left set
    /// aside mid-commit is put back.
    public static func beginFolder(_ path: String) throws(AtomicFileError) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let (parent, name) = split(trimmed)
        try makeFolders(parent.isEmpty ? "." : parent)
        let parentPath = parent.isEmpty ? "." : String(parent.dropLast())
        for entry in entries(of: parentPath) where entry.hasPrefix("." + name + asideSuffix) {
            guard let pid = Int32(entry.dropFirst(name.count + 1 + asideSuffix.count)), !isRunning(pid) else { continue }
            var info = stat()
            if stat(trimmed, &info) != 0 { rename(parent + entry, trimmed) } else { remove(parent + entry) }
        }
        for entry in entries(of: parentPath) where entry.hasPrefix("." + name + temporarySuffix) {
            if let pid = temporaryOwner(entry), !isRunning(pid) { remove(parent + entry) }
        }
        let temporary = temporaryPath(for: trimmed)
        remove(temporary)
        try makeFolders(temporary)
        return temporary
    }

    /// Puts the folder filled after `beginFolder(path)` in place of `path`, whole: the old
    /// folder (if any) is renamed aside, the new one renamed in, the old one deleted. Readers
    /// see the old folder or the new one, never a mix, and no file of the old one survives.
    ///
    /// The new folder is marked as Rederive's (`OwnedFolder`) as `kind`, unless what filled it
    /// marked it already. A folder at `path` that Rederive did not make is refused, never
    /// deleted, unless `replacingUnmarked` (the pipeline's lock records that it built it).
    public static func commitFolder(_ temporary: String, to path: String, as kind: FolderKind,
                                    replacingUnmarked: Bool = false) throws(AtomicFileError) {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        if !replacingUnmarked {
            try OwnedFolder.requireReplaceable(trimmed, by: Set(FolderKind.allCases),
                                               advice: "move it away or choose another folder; nothing was changed")
        }
        if OwnedFolder.kind(of: temporary) == nil { try OwnedFolder.mark(temporary, as: kind) }
        let (parent, name) = split(trimmed)
        let previous = parent + "." + name + asideSuffix + String(getpid())
        remove(previous)
        var info = stat()
        let hadFolder = lstat(trimmed, &info) == 0
        if hadFolder && rename(trimmed, previous) != 0 { throw AtomicFileError(path: trimmed, operation: .write, errno: errno) }
        if rename(temporary, trimmed) != 0 {
            let code = errno
            if hadFolder { rename(previous, trimmed) }
            throw AtomicFileError(path: trimmed, operation: .write, errno: code)
        }
        remove(previous)
    }

    /// Where `write(_:to:)` puts the bytes of `path` before the rename: `DIR/.NAME.rederive-tmp-PID`.
    public static func temporaryPath(for path: String, pid: Int32 = getpid()) -> String {
        let (folder, name) = split(path)
        return folder + "." + name + temporarySuffix + String(pid)
    }

    /// Both names say "rederive", so that a user's own `.notes.tmp-123` is never taken for one.
    static let temporarySuffix = ".rederive-tmp-"
    /// `.NAME.rederive-previous-PID`: an old folder set aside while `commitFolder` replaces it.
    public static let asideSuffix = ".rederive-previous-"

    /// Removes the temporary files (and folders) that processes no longer running left in
    /// `folder`: hidden names ending in `.rederive-tmp-PID` whose PID is gone. A live process's files
    /// are kept, so two processes may share a folder. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> [String] {
        var removed = [String]()
        for name in entries(of: folder).sorted() {
            guard let pid = temporaryOwner(name), !isRunning(pid) else { continue }
            remove(folder + "/" + name)
            removed.append(name)
        }
        return removed
    }

    /// The PID in a temporary file's name `.NAME.rederive-tmp-PID`, or nil for other names.
    static func temporaryOwner(_ name: String) -> Int32? {
        guard name.hasPrefix(".") else { return nil }
        let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, name.dropLast(digits.count).hasSuffix(temporarySuffix),
              let pid = Int32(String(digits.reversed())), pid > 0 else { return nil }
        return pid
    }

    /// Whether a process with this id is running (EPERM means it exists but belongs to someone
    /// else). A zombie is not: it has exited, and only waits to be reaped. An orphan's parent
    /// is PID 1, and where that is no init (a container, a CI sandbox) it may never be reaped,
    /// so `kill(pid, 0)` alone would keep a killed stage's temporaries forever.
    public static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return !isZombie(pid)
    }

    /// Whether `/proc/PID/stat` gives the state Z (zombie) or X (dead). False where there is no
    /// /proc (macOS reaps orphans through launchd).
    static func isZombie(_ pid: Int32) -> Bool {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress!, $0.count) }
        guard count > 0 else { return false }
        // `PID (COMMAND) STATE ...`: the command may hold spaces and parentheses, so the state
        // follows the last ')'.
        let bytes = buffer[..<count]
        guard let end = bytes.lastIndex(of: UInt8(ascii: ")")), end + 2 < count else { return false }
        let state = bytes[end + 2]
        return state == UInt8(ascii: "Z") || state == UInt8(ascii: "X")
    }

    /// Creates `path`'s parent folders.
    public static func makeFolders(parentOf path: String) throws(AtomicFileError) {
        let (folder, _) = split(path)
        if folder.isEmpty || folder == "/" { return }
        try makeFolders(String(folder.dropLast()))
    }

    /// Creates `path` and its missing parents.
    public static func makeFolders(_ path: String) throws(AtomicFileError) {
        var info = stat()
        if path.isEmpty || stat(path, &info) == 0 { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try makeFolders(String(path[..<slash])) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw AtomicFileError(path: path, operation: .createFolder, errno: errno)
        }
    }

    /// Removes a file or a folder tree; a missing one is fine.
    public static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in entries(of: path) { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The names in a folder, without `.` and `..`; empty if it cannot be read.
    public static func entries(of folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// ("DIR/", "NAME") for "DIR/NAME"; ("", "NAME") for a bare name.
    private static func split(_ path: String) -> (folder: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }
}

/// `write(2)` and `read(2)`, out of reach of `AtomicFile`'s own `write` and `read`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, buffer, count) }

/// A file operation that failed, with the system's reason turned into words a user can act on.
public struct AtomicFileError: Error, Equatable, CustomStringConvertible {
    public enum Operation: Sendable, Equatable { case read, write, createFolder, replace }
    public var path: String
    public var operation: Operation
    /// The system's reason (`strerror`), e.g. "No space left on device".
    public var reason: String
    /// What the user can do about it.
    public var advice: String

    /// A refusal to replace what is at `path` (`OwnedFolder`): nothing failed, nothing was changed.
    public init(path: String, refusal: String, advice: String) {
        self.path = path
        operation = .replace
        reason = refusal
        self.advice = advice
    }

    public init(path: String, operation: Operation, errno code: Int32) {
        self.path = path
        self.operation = operation
        reason = String(cString: strerror(code))
        switch (operation, code) {
        case (.read, ENOENT): advice = "check the path, or produce the file first"
        case (.read, EISDIR): advice = "give a file, not a folder"
        case (_, EACCES), (_, EPERM): advice = "check the permissions of the file and its folder"
        case (_, ENOSPC), (_, EDQUOT): advice = "free some disk space and run again"
        case (_, ENOTDIR): advice = "a part of the path is a file, not a folder"
        case (_, EROFS): advice = "choose a folder on a writable disk"
        default: advice = operation == .read ? "check that the file is readable" : "check that the folder exists and is writable"
        }
    }

    /// What failed, without the advice: "PATH: cannot write (no space left on device)".
    public var summary: String {
        if operation == .replace { return "\(path) \(reason)" }
        let verb = switch operation {
        case .read: "cannot read"
        case .write: "cannot write"
        case .createFolder: "cannot create the folder"
        case .replace: ""
        }
        return "\(path): \(verb) (\(reason.prefix(1).lowercased() + reason.dropFirst()))"
    }

    public var description: String { "\(summary); \(advice)." }
}
