#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles

/// File helpers with `PipelineError`s: atomic writes, reads, folders and removal, all through
/// the package's one `AtomicFiles.AtomicFile`.
enum AtomicFileIO {
    static func write(_ bytes: [UInt8], to path: String) throws(PipelineError) {
        do { try AtomicFile.write(bytes, to: path) } catch { throw wrap(error) }
    }

    /// Writes a cache file: temporary file and rename, but no fsync. After a power cut a cache may
    /// come back empty or missing, which only costs re-hashing; readers reject bad content.
    static func writeCache(_ bytes: [UInt8], to path: String) throws(PipelineError) {
        do { try AtomicFile.write(bytes, to: path, durable: false) } catch { throw wrap(error) }
    }

    /// The file's bytes, or nil if it does not exist.
    static func readIfExists(_ path: String) throws(PipelineError) -> [UInt8]? {
        do { return try AtomicFile.readIfExists(path) } catch { throw wrap(error) }
    }

    /// Puts a filled temporary folder in place of `path`, whole (`AtomicFile.commitFolder`),
    /// marked as a stage's output. A folder there that Rederive did not make is refused unless
    /// `replacingUnmarked` (the lock records that this pipeline built it).
    static func commitFolder(_ temporary: String, to path: String, replacingUnmarked: Bool) throws(PipelineError) {
        do { try AtomicFile.commitFolder(temporary, to: path, as: .stageOutput, replacingUnmarked: replacingUnmarked) }
        catch { throw wrap(error) }
    }

    /// Removes the `.NAME.tmp-PID` files that processes no longer running left in `folder`.
    static func removeStaleTemporaries(in folder: String) {
        AtomicFile.removeStaleTemporaries(in: folder)
    }

    static func makeFolders(parentOf path: String) throws(PipelineError) {
        do { try AtomicFile.makeFolders(parentOf: path) } catch { throw wrap(error) }
    }

    static func makeFolders(_ path: String) throws(PipelineError) {
        do { try AtomicFile.makeFolders(path) } catch { throw wrap(error) }
    }

    private static func wrap(_ error: AtomicFileError) -> PipelineError {
        PipelineError(.io, at: nil, error.summary, hint: error.advice)
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
    static func remove(_ path: String) { AtomicFile.remove(path) }

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
