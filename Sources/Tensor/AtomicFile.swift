import Foundation

/// Writes files so that readers never see half of one: the bytes go to a temporary file in the
/// same folder, are flushed, and are renamed over the destination. A crash, a full disk or
/// Ctrl-C leaves either the old file or the new one, never a mix.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(ArrayFileError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        var written = 0
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && rename(temporary.path, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary.path)
            throw .cannotWrite(path: path, reason: failure)
        }
    }

    /// Reads a whole file.
    public static func read(_ path: String) throws(ArrayFileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or not a file" : "no such file"
            throw .cannotRead(path: path, reason: reason)
        }
        return [UInt8](data)
    }
}
