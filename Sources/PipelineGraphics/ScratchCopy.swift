#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Pipeline

/// Copies an input into `check`'s scratch folder: files and folders with symlinks followed (a
/// link inside the project to data outside it is copied as the data, so the scratch make never
/// reads through a link out of the scratch), under the hasher's rules: a FIFO, device or socket
/// is refused with its path, and a link back to a folder being copied is a loop, refused.
/// The source is only read; a destination that exists already (a file inside a folder copied
/// before it) is left as it is.
enum ScratchCopy {
    private struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    static func copy(_ source: String, to destination: String) throws(PipelineError) {
        var ancestors = [Identity]()
        try copy(source, to: destination, ancestors: &ancestors)
    }

    private static func copy(_ source: String, to destination: String, ancestors: inout [Identity]) throws(PipelineError) {
        var info = stat()
        guard stat(source, &info) == 0 else { return }
        var existing = stat()
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            let identity = Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            if ancestors.contains(identity) {
                throw PipelineError(.invalidPath, at: nil, "\(source) leads back to a folder that contains it (a symbolic link loop)",
                                    hint: "remove the link, or give an input that does not contain it")
            }
            try makeFolder(destination)
            ancestors.append(identity)
            defer { ancestors.removeLast() }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).sorted()
            for name in names { try copy(source + "/" + name, to: destination + "/" + name, ancestors: &ancestors) }
            return
        }
        guard type == S_IFREG else {
            throw PipelineError(.invalidPath, at: nil, "\(source) is not a regular file or folder (a FIFO, device or socket); check copies inputs and cannot copy it",
                                hint: "move it out of the input folder")
        }
        if lstat(destination, &existing) == 0 { return }
        try makeFolder((destination as NSString).deletingLastPathComponent)
        do {
            // The link's target, so that the copy is the data, not a second link to it.
            try FileManager.default.copyItem(atPath: URL(fileURLWithPath: source).resolvingSymlinksInPath().path, toPath: destination)
        } catch {
            throw PipelineError(.io, at: nil, "cannot copy \(source) into the scratch folder as \(destination): \(error.localizedDescription)")
        }
    }

    private static func makeFolder(_ path: String) throws(PipelineError) {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw PipelineError(.io, at: nil, "cannot create the folder \(path) in the scratch folder: \(error.localizedDescription)")
        }
    }
}
