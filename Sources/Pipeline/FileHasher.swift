#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Spelling
import AtomicFiles

/// SHA-256 of files and folders, with a cache so that a no-op `make` stats files but does not
/// read them.
///
/// When it re-hashes: a cached hash is reused only if the file's size, modification time (ns),
/// change time (ns) and inode all equal what they were when it was hashed, and its modification
/// time was more than a second before that moment. Anything else re-reads the
/// file: a new or edited file, a file replaced by a rename (new inode), a fresh `git clone` or
/// checkout (new times), a `touch`, and a file hashed within a second of being written (its
/// timestamp may not yet tell later writes apart: git's "racily clean" problem). A folder's hash
/// is the SHA-256 of its sorted `relative-path NUL file-hash LF` lines, so it re-lists the folder
/// each time but re-reads only the files that changed.
///
/// The cache is a text file in `<artifacts>/.rederive/`, git-ignored; deleting it is always safe.
///
/// What it will not read: a FIFO, a device or a socket is an error naming its path, found with
/// `stat` before anything is opened (and files are opened with `O_NONBLOCK`, then checked
/// again), so `/dev/zero` or a named pipe in a data folder never hangs a `make`. Symlinks are
/// followed, files and folders alike (a data folder may link to a shared dataset), but a
/// symlink to a folder that is already being listed, one of its own ancestors, is a loop and an
/// error naming the link: two links `a -> .` and `b -> .` would otherwise stand for 2^40 paths.
/// A folder that stands for more than `maximumFolderEntries` paths is an error too.
public final class FileHasher {
    struct Entry {
        var sha: String
        var size: Int64
        var mtime: Int64
        var ctime: Int64
        var inode: UInt64
        var hashedAt: Int64
    }

    let root: String
    let cachePath: String?
    var entries: [String: Entry] = [:]
    private(set) var isDirty = false
    /// Bytes read to hash files (for tests and benchmarks).
    public private(set) var bytesHashed = 0
    public private(set) var filesHashed = 0
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    /// Every file stat-ed, and every folder listed with its file count: what a no-op snapshot
    /// must re-check.
    private(set) var observedFiles: [String: FileIdentity] = [:]
    private(set) var observedFolders: [String: Int] = [:]
    /// Whether a file seen was modified within the racy window of this process's start.
    private(set) var sawRecentChange = false
    private let startedAt: Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }()

    /// `root` anchors relative paths; `cachePath` nil keeps the cache in memory only.
    public init(root: String, cachePath: String?) {
        self.root = root
        self.cachePath = cachePath
        if let cachePath, let bytes = try? AtomicFileIO.readIfExists(cachePath) { load(bytes) }
    }

    /// The hasher of a project's pipeline, with its cache in the pipeline's state folder, reading
    /// inputs where the project redirects them.
    convenience init(project: Project, artifacts: String) {
        self.init(root: project.root, cachePath: project.hashCachePath(artifacts: artifacts))
        redirects = project.inputRedirects
    }

    static let racyWindowNs: Int64 = 1_000_000_000
    /// Paths one folder may stand for, links followed: a backstop for link structures that are
    /// no loop but still multiply (a link to a folder of links to folders...).
    static let maximumFolderEntries = 5_000_000

    /// Where an input given by path is read instead (`check` reads copies in its scratch folder).
    var redirects: [String: String] = [:]

    /// Content hash of a file or folder, or nil if nothing is there.
    public func hash(_ path: String) throws(PipelineError) -> String? {
        let full = absolute(path)
        var info = stat()
        guard stat(full, &info) == 0 else { return nil }
        if (info.st_mode & S_IFMT) == S_IFDIR { return try hashFolder(full, info: info) }
        try FileHasher.requireRegular(full, info)
        return try hashFile(full, info: info)
    }

    func absolute(_ path: String) -> String { redirects[path] ?? (path.hasPrefix("/") ? path : root + "/" + path) }

    /// Throws unless `info` is a regular file's: a FIFO would block the reader, a device such as
    /// /dev/zero never ends, a socket cannot be read at all.
    static func requireRegular(_ path: String, _ info: stat) throws(PipelineError) {
        let what: String
        switch info.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR: return
        case S_IFIFO: what = "a FIFO (named pipe)"
        case S_IFCHR: what = "a character device"
        case S_IFBLK: what = "a block device"
        case S_IFSOCK: what = "a socket"
        default: what = "not a regular file"
        }
        throw PipelineError(.invalidPath, at: nil, "\(path) is \(what); Rederive hashes every input and output and never reads from a pipe, device or socket",
                            hint: "point the input at a regular file or a folder of them, or move \(path) out of the folder")
    }

    private func hashFile(_ full: String, info: stat) throws(PipelineError) -> String {
        let size = Int64(info.st_size)
        let mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        let inode = UInt64(info.st_ino)
        observedFiles[full] = FileIdentity(info)
        if mtime >= startedAt - FileHasher.racyWindowNs { sawRecentChange = true }
        if let entry = entries[full], entry.size == size, entry.mtime == mtime, entry.ctime == ctime, entry.inode == inode,
           mtime < entry.hashedAt - FileHasher.racyWindowNs {
            return entry.sha
        }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let hashedAt = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        let sha = try hashContents(full)
        entries[full] = Entry(sha: sha, size: size, mtime: mtime, ctime: ctime, inode: inode, hashedAt: hashedAt)
        isDirty = true
        return sha
    }

    private func hashContents(_ full: String) throws(PipelineError) -> String {
        // O_NONBLOCK: should the file have become a FIFO since it was stat-ed, open returns
        // at once, and the check below refuses it.
        let fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw PipelineError(.io, at: nil, "cannot read \(full): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var opened = stat()
        guard fstat(fd, &opened) == 0 else { throw PipelineError(.io, at: nil, "cannot read \(full): \(String(cString: strerror(errno)))") }
        if (opened.st_mode & S_IFMT) != S_IFREG { try FileHasher.requireRegular(full, opened) }
        var hasher = SHA256()
        let capacity = buffer.count
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = read(fd, raw.baseAddress!, capacity)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                bytesHashed += n
            }
        }
        if failure != 0 { throw PipelineError(.io, at: nil, "cannot read \(full): \(String(cString: strerror(failure)))") }
        filesHashed += 1
        return hasher.finalizeHex()
    }

    private func hashFolder(_ full: String, info: stat) throws(PipelineError) -> String {
        var files = [String]()
        var walk = FolderWalk(ancestors: [FolderWalk.Identity(info)])
        try listFiles(full, relative: "", walk: &walk, into: &files)
        files.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        observedFolders[full] = files.count
        var hasher = SHA256()
        for file in files {
            var info = stat()
            let path = full + "/" + file
            guard stat(path, &info) == 0 else { continue }
            try FileHasher.requireRegular(path, info)
            let sha = try hashFile(path, info: info)
            hasher.update(file)
            hasher.update([0])
            hasher.update(sha)
            hasher.update([10])
        }
        return hasher.finalizeHex()
    }

    /// The folders being listed (device and inode), to see a link back to one of them, and the
    /// number of paths listed so far.
    struct FolderWalk {
        struct Identity: Hashable {
            var device: UInt64
            var inode: UInt64
            init(_ info: stat) {
                device = UInt64(info.st_dev)
                inode = UInt64(info.st_ino)
            }
        }
        var ancestors: [Identity]
        var listed = 0
    }

    private func listFiles(_ folder: String, relative: String, walk: inout FolderWalk, into files: inout [String]) throws(PipelineError) {
        guard let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            // Rederive's own folder marker is not content: a folder hashes the same with it.
            if name == "." || name == ".." || name == OwnedFolder.markerName { continue }
            let rel = relative.isEmpty ? name : relative + "/" + name
            let path = folder + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { continue }
            walk.listed += 1
            if walk.listed > FileHasher.maximumFolderEntries {
                throw PipelineError(.tooLarge, at: nil, "\(folder) and the folders in it stand for more than \(FileHasher.maximumFolderEntries.grouped) files (symbolic links followed)",
                                    hint: "check it for links that repeat folders, or give a smaller folder as the input")
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                let identity = FolderWalk.Identity(info)
                if walk.ancestors.contains(identity) {
                    throw PipelineError(.invalidPath, at: nil, "\(path) leads back to a folder that contains it (a symbolic link loop)",
                                        hint: "remove the link, or give an input that does not contain it")
                }
                walk.ancestors.append(identity)
                try listFiles(path, relative: rel, walk: &walk, into: &files)
                walk.ancestors.removeLast()
            } else {
                try FileHasher.requireRegular(path, info)
                files.append(rel)
            }
        }
    }

    /// Forgets a path (after the engine replaces it), so the next `hash` reads it.
    public func forget(_ path: String) {
        let full = absolute(path)
        if entries.removeValue(forKey: full) != nil { isDirty = true; return }
        guard AtomicFileIO.isDirectory(full) else { return }
        let prefix = full + "/"
        for key in entries.keys where key.hasPrefix(prefix) { entries.removeValue(forKey: key); isDirty = true }
    }

    /// Writes the cache if anything changed. A failure to write only costs re-hashing later.
    public func save() {
        guard isDirty, let cachePath else { return }
        // Drop entries of files that are gone, so the cache does not grow forever.
        for key in entries.keys where observedFiles[key] == nil && !AtomicFileIO.exists(key) { entries.removeValue(forKey: key) }
        var text = "rederive-hashes 1\n"
        for key in entries.keys.sorted() {
            let e = entries[key]!
            text += "\(e.sha) \(e.size) \(e.mtime) \(e.ctime) \(e.inode) \(e.hashedAt) \(key)\n"
        }
        if (try? AtomicFileIO.writeCache(Array(text.utf8), to: cachePath)) != nil { isDirty = false }
    }

    private func load(_ bytes: [UInt8]) {
        var lines = bytes.split(separator: 10, omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst(), String(decoding: header, as: UTF8.self) == "rederive-hashes 1" else { return }
        for line in lines {
            let fields = line.split(separator: 32, maxSplits: 6, omittingEmptySubsequences: false)
            guard fields.count == 7,
                  let size = Int64(String(decoding: fields[1], as: UTF8.self)),
                  let mtime = Int64(String(decoding: fields[2], as: UTF8.self)),
                  let ctime = Int64(String(decoding: fields[3], as: UTF8.self)),
                  let inode = UInt64(String(decoding: fields[4], as: UTF8.self)),
                  let hashedAt = Int64(String(decoding: fields[5], as: UTF8.self)) else { continue }
            entries[String(decoding: fields[6], as: UTF8.self)] =
                Entry(sha: String(decoding: fields[0], as: UTF8.self), size: size, mtime: mtime, ctime: ctime, inode: inode, hashedAt: hashedAt)
        }
    }
}
