import AtomicFiles

/// Plot's door to the package's one atomic writer (`AtomicFiles.AtomicFile`): readers never see
/// a half-written figure, and a failure is a `PlotError` naming the file and what to do.
enum AtomicWrite {
    static func write(_ bytes: [UInt8], to path: String) throws(PlotError) {
        do { try AtomicFile.write(bytes, to: path) } catch {
            throw PlotError.write(path: path, reason: "\(error.reason.lowercased()); \(error.advice)")
        }
    }
}
