/// Why an analysis could not be computed. Messages name the file or quantity involved.
public enum AnalysisError: Error, Equatable, CustomStringConvertible {
    /// Inputs of the wrong shape or size for the computation.
    case badInput(String)
    /// A checkpoint or run folder that cannot be used, with the path and what to do.
    case badCheckpoint(path: String, reason: String)
    /// An iterative fit ended, after its bounded number of iterations, without a finite answer.
    case notConverged(what: String, iterations: Int, reason: String)
    /// An output that could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .badInput(let message): message
        case .badCheckpoint(let path, let reason): reason.hasPrefix(path) ? reason : "\(path): \(reason)"
        case .notConverged(let what, let iterations, let reason):
            "\(what) did not converge in \(iterations) iterations: \(reason); check that the checkpoint is from a run that trained normally"
        case .cannotWrite(let path, let reason): reason.hasPrefix(path) ? reason : "\(path): cannot write: \(reason)"
        }
    }
}
