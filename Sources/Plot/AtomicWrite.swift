import Foundation

/// Writes bytes to a temporary file next to `path` and renames it into place, so readers never
/// see a half-written figure.
enum AtomicWrite {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(bytes).write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw PlotError.write(path: path, reason: reason)
            }
        } catch let error as PlotError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw PlotError.write(path: path, reason: "\(error)")
        }
    }
}
