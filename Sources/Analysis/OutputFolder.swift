import Foundation
import AtomicFiles
import Tensor

/// A folder of analysis outputs: each file is written atomically, and the names are kept for
/// the summary's `files` list. Arrays are named by `AnalysisFolder.Array` and
/// `PatchingFolder.Array`, the one place their file names are spelt.
final class OutputFolder {
    let path: String
    private(set) var written: [String] = []

    init(_ path: String) throws(AnalysisError) {
        self.path = path
        do { try AtomicFile.makeFolders(path) } catch { throw .cannotWrite(path: path, reason: "\(error)") }
    }

    func write(_ array: NDArray, _ name: AnalysisFolder.Array) throws(AnalysisError) { try write(array, name.fileName) }

    func write(_ array: NDArray, _ name: PatchingFolder.Array) throws(AnalysisError) { try write(array, name.fileName) }

    private func write(_ array: NDArray, _ name: String) throws(AnalysisError) {
        do { try NumpyFile.write(array, to: path + "/" + name) } catch {
            throw .cannotWrite(path: path + "/" + name, reason: "\(error)")
        }
        written.append(name)
    }

    func copy(_ source: String, as name: String) throws(AnalysisError) {
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(source) } catch {
            throw .badCheckpoint(path: source, reason: "\(error)")
        }
        do { try AtomicFile.write(bytes, to: path + "/" + name) } catch {
            throw .cannotWrite(path: path + "/" + name, reason: "\(error)")
        }
    }

    func writeJSON<T: Encodable>(_ value: T, _ name: String) throws(AnalysisError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(value)
            try AtomicFile.write([UInt8](data) + [0x0A], to: path + "/" + name)
        } catch {
            throw .cannotWrite(path: path + "/" + name, reason: "\(error)")
        }
    }
}
