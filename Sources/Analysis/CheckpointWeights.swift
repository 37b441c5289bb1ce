import Tensor
import Transformer

/// A checkpoint's parameters by `WeightName`, for the analyses to read. A weight the model does
/// not have (a config without LayerNorm or MLP, a hand-built test model) is an error naming
/// the checkpoint's file and the weight, never a crash.
public struct CheckpointWeights: Sendable {
    public let tensors: [WeightName: Tensor]
    /// The file the weights came from, for errors.
    public let path: String

    public init(_ tensors: [WeightName: Tensor], path: String) {
        self.tensors = tensors
        self.path = path
    }

    public init(_ model: Model, path: String) {
        self.init(model.parameters.tensors, path: path)
    }

    /// The weight `name`.
    public func callAsFunction(_ name: WeightName) throws(AnalysisError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw .badCheckpoint(path: path, reason: "no tensor '\(name)', which this analysis needs")
        }
        return tensor
    }

    /// Block `layer`'s weight `part`.
    public func callAsFunction(_ layer: Int, _ part: WeightName.Block) throws(AnalysisError) -> Tensor {
        try self(.block(layer, part))
    }
}
