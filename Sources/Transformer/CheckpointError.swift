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
    /// A parameter stored in F16 is infinite: a weight beyond F16's range overflowed when the
    /// model was converted to it, which says nothing of the run.
    case overflowedFloat16(path: String, name: String, index: [Int], value: Float)
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
        case .overflowedFloat16(let path, let name, let index, let value):
            "\(path): tensor '\(name)' is stored in F16 and holds \(value) at index \(index): a weight beyond F16's range "
                + "(±65504) became infinite when the model was converted to float16 (model.half()) before saving. "
                + "Save the float32 state dict instead, or bfloat16 (model.to(torch.bfloat16)), which keeps float32's range"
        case .noCheckpoint(let folder):
            "\(folder): no checkpoints/step-NNNNNN.safetensors with its optimizer state to resume from; start without --resume"
        case .unsupported(let path, let what, let expected): "\(path): \(what); expected \(expected)"
        case .configMismatch(let folder, let checkpoint):
            "\(folder): the model in --config differs from the one in \(checkpoint); resume with the run's own config or use a new --out folder"
        }
    }
}

extension CheckpointError {
    /// The error for a tensor's first non-finite value `bad`. An infinity in a tensor `stored`
    /// in F16 is that conversion's overflow; a NaN, or an infinity in BF16 (which has float32's
    /// range) or float32, comes from the run.
    static func nonFinite(path: String, name: String, _ bad: (index: [Int], value: Float),
                          stored: HalfPrecision.Format?) -> CheckpointError {
        if stored == .float16, bad.value.isInfinite {
            return .overflowedFloat16(path: path, name: name, index: bad.index, value: bad.value)
        }
        return .nonFinite(path: path, name: name, index: bad.index, value: bad.value)
    }
}
