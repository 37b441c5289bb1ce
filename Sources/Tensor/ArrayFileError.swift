import AtomicFiles

/// Why an `.npy` or safetensors file could not be read or written. Every case names the file,
/// so that the message alone tells the user what to fix.
public enum ArrayFileError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened, read or written (missing, permissions, disk full).
    case io(AtomicFileError)
    /// The file ends before the header or data it announces.
    case truncated(path: String, expectedBytes: Int, actualBytes: Int)
    /// The magic string, header length or header text is malformed.
    case badHeader(path: String, reason: String)
    case unknownDType(path: String, dtype: String)
    /// The bytes after the header do not match what it declares: trailing junk, gaps, overlaps.
    case badLayout(path: String, reason: String)
    /// The shape's element count does not match the bytes given for it.
    case shapeMismatch(path: String, name: String?, shape: [Int], byteCount: Int)
    case missingTensor(path: String, name: String)

    public var description: String {
        switch self {
        case .io(let error):
            "\(error)"
        case .truncated(let path, let expected, let actual):
            "\(path): truncated: expected \(expected) bytes, found \(actual); the file was cut short (an interrupted write?), regenerate it"
        case .badHeader(let path, let reason):
            "\(path): bad header: \(reason); the file is damaged or not of this format, regenerate it"
        case .badLayout(let path, let reason):
            "\(path): bad layout: \(reason); the file is damaged, regenerate it"
        case .unknownDType(let path, let dtype):
            "\(path): unknown dtype '\(dtype)'; Rederive reads float32, int32 and int64 (little-endian), and in safetensors also F16 and BF16 (as float32)"
        case .shapeMismatch(let path, let name, let shape, let byteCount):
            "\(path): \(name.map { "tensor '\($0)': " } ?? "")shape mismatch: shape \(shape) does not match the \(byteCount) bytes of data; the file is damaged or its header wrong, regenerate it"
        case .missingTensor(let path, let name):
            "\(path): no tensor named '\(name)'; is this the right file?"
        }
    }
}
