#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Tensor

/// File helpers with `PipelineError`s: atomic writes (through `Tensor.AtomicFile`), reads,
/// folders, removal.
enum AtomicFileIO {
    static func write(_ bytes: [UInt8], to path: String) throws(PipelineError) {
        try makeFolders(parentOf: path)
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw PipelineError(.io, at: nil, "cannot write \(path): \(error)", hint: "check the folder exists and is writable")
        }
    }

    /// Writes a cache file: temporary file and rename, but no fsync. After a power cut a cache may
    /// come back empty or missing, which only costs re-hashing; readers reject bad content.
    static func writeCache(_ bytes: [UInt8], to path: String) throws(PipelineError) {
        try makeFolders(parentOf: path)
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError(.io, at: nil, "cannot write \(path): \(String(cString: strerror(errno)))") }
        var offset = 0
        var failed = false
        bytes.withUnsafeBytes { buffer in
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; failed = true; return }
                offset += n
            }
        }
        close(fd)
        if failed || rename(temporary, path) != 0 {
            unlink(temporary)
            throw PipelineError(.io, at: nil, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The file's bytes, or nil if it does not exist.
    static func readIfExists(_ path: String) throws(PipelineError) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PipelineError(.io, at: nil, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        var result = [UInt8]()
        result.reserveCapacity(Int(info.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PipelineError(.io, at: nil, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    static func makeFolders(parentOf path: String) throws(PipelineError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        try makeFolders(String(path[..<slash]))
    }

    static func makeFolders(_ path: String) throws(PipelineError) {
        var info = stat()
        if stat(path, &info) == 0 { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex { try makeFolders(String(path[..<slash])) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw PipelineError(.io, at: nil, "cannot create folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Removes a file or a folder tree; missing is fine.
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if let dir = opendir(path) {
                var names = [String]()
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
                    if name != "." && name != ".." { names.append(name) }
                }
                closedir(dir)
                for name in names { remove(path + "/" + name) }
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
