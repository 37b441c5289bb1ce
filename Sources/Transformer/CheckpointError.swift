import Tensor

/// Why a checkpoint or run folder could not be read or written; each case says what to do.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case file(ArrayFileError)
    case missingMetadata(path: String, key: String)
    case badConfig(ConfigError)
    case missingTensor(path: String, name: String)
    case unexpectedTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// A parameter or optimizer moment holds NaN or infinity: the run had diverged.
    case nonFinite(path: String, name: String, index: [Int], value: Float)
    case noCheckpoint(folder: String)
    case configMismatch(folder: String, checkpoint: String)
    /// A foreign checkpoint asks for what Rederive does not run or cannot read.
    case unsupported(path: String, what: String, expected: String)

    public var description: String {
        switch self {
        case .file(let error): "\(error)"
        case .missingMetadata(let path, let key):
            "\(path): the safetensors __metadata__ has no '\(key)'; it was not written by rederive train"
        case .badConfig(let error): "\(error)"
        case .missingTensor(let path, let name): "\(path): no tensor named '\(name)', which this model config needs"
        case .unexpectedTensor(let path, let name): "\(path): tensor '\(name)' does not belong to this model config"
        case .shapeMismatch(let path, let name, let expected, let found):
            "\(path): tensor '\(name)' has shape \(found), the config needs \(expected)"
        case .nonFinite(let path, let name, let index, let value):
            "\(path): tensor '\(name)' holds \(value) at index \(index); the run had diverged when this was saved. "
                + "Use an earlier checkpoint, or train again with a lower lr"
        case .noCheckpoint(let folder):
            "\(folder): no checkpoints/step-NNNNNN.safetensors with its optimizer state to resume from; start without --resume"
        case .unsupported(let path, let what, let expected): "\(path): \(what); expected \(expected)"
        case .configMismatch(let folder, let checkpoint):
            "\(folder): the model in --config differs from the one in \(checkpoint); resume with the run's own config or use a new --out folder"
        }
    }
}
