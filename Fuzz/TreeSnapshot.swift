#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles
import Pipeline

/// Every path under a folder, links not followed, with what it is: a file's bytes (hashed), a
/// link's target, or the kind of a folder, FIFO or other node. Never opens anything but
/// regular files, so a FIFO in the layout cannot block it.
struct TreeSnapshot {
    private(set) var entries: [String: String] = [:]

    init(_ folder: String) { add(folder) }

    private mutating func add(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            entries[path] = "folder"
            for name in AtomicFile.entries(of: path) { add(path + "/" + name) }
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: 4097)
            let n = readlink(path, &buffer, 4096)
            entries[path] = "link " + (n >= 0 ? String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?")
        case S_IFREG:
            entries[path] = "file " + ((try? AtomicFile.read(path)).map { SHA256.hex($0) } ?? "unreadable")
        default:
            entries[path] = "node \(info.st_mode & S_IFMT)"
        }
    }

    /// Paths added, removed or changed between this snapshot and `later`, sorted.
    func differences(from later: TreeSnapshot) -> [String] {
        Set(entries.keys).union(later.entries.keys).filter { entries[$0] != later.entries[$0] }.sorted()
    }
}
