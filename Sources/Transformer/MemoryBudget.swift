#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The memory a command will need, estimated from the config before anything is allocated, and
/// the limit it must stay under: a config asking for a 64 GB batch gets a sentence with the
/// estimate, not Swift's "failed to allocate" abort or a machine brought to swap.
///
/// The limit is `REDERIVE_MEMORY_LIMIT` (bytes, or with a K, M, G or T suffix) when set, else
/// three quarters of the machine's physical memory.
public enum MemoryBudget {
    public static let environmentKey = "REDERIVE_MEMORY_LIMIT"

    /// The limit in bytes, and where it came from (for the message).
    public static func limit() -> (bytes: Double, source: String) {
        if let text = getenv(environmentKey).map({ String(cString: $0) }), let bytes = parseSize(text) {
            return (bytes, "\(environmentKey)=\(text)")
        }
        let physical = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
        return (physical * 0.75, "3/4 of this machine's \(format(physical))")
    }

    /// Throws unless `bytes` fit under the limit. `what` names the work ("training", "the
    /// analysis"); `advice` says which settings to lower.
    public static func require(_ bytes: Double, for what: String, advice: String) throws(MemoryBudgetError) {
        let (limit, source) = limit()
        guard bytes > limit else { return }
        throw MemoryBudgetError(message: "\(what) needs about \(format(bytes)) of memory, over the limit of \(format(limit)) (\(source)); "
                                + "\(advice), or set \(environmentKey) higher to try anyway")
    }

    /// Floats per row (sequence position) of one forward's activation buffers (`Workspace`):
    /// residual streams, LayerNorms, q/k/v, the attention pattern's row, z, MLP and logits.
    public static func forwardFloatsPerRow(_ c: ModelConfig) -> Double {
        let (d, a, h, n) = (Double(c.dModel), Double(c.attentionWidth), Double(c.nHeads), Double(c.nCtx))
        let mlp = c.dMLP.map { 2 * d + 2 + 2 * Double($0) + d } ?? 0
        let layer = 2 * d + 2 + 3 * a + h * n + a + d + mlp
        return Double(2 * c.nLayers + 1) * d + Double(c.nLayers) * layer + 2 * d + 2 + Double(c.dVocab) + 1
    }

    /// Bytes of a workspace for `sequences` sequences; the backward about doubles it.
    public static func workspaceBytes(_ c: ModelConfig, sequences: Int, gradients: Bool) -> Double {
        Double(sequences) * Double(c.nCtx) * forwardFloatsPerRow(c) * 4 * (gradients ? 2 : 1)
    }

    /// Bytes of the parameters alone.
    public static func parameterBytes(_ c: ModelConfig) -> Double { Double(ParameterLayout(config: c).totalCount) * 4 }

    /// Training: parameters, gradients and AdamW's two moments, the step's workspace and the
    /// evaluation batch's.
    public static func requireTraining(_ config: TrainingConfig) throws(MemoryBudgetError) {
        let c = config.model
        let bytes = 4 * parameterBytes(c) + workspaceBytes(c, sequences: config.batch, gradients: true)
            + workspaceBytes(c, sequences: config.evalBatch, gradients: false)
        try require(bytes, for: "training (batch \(config.batch) × n_ctx \(c.nCtx), d_model \(c.dModel))",
                    advice: "lower batch, n_ctx, d_model or d_vocab")
    }

    /// Parses "8G", "512M", "1.5T" or a plain byte count.
    static func parseSize(_ text: String) -> Double? {
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        let trimmed = text.uppercased().replacingOccurrences(of: "B", with: "")
        if let last = trimmed.last, let unit = units[last], let value = Double(trimmed.dropLast()), value > 0 {
            return value * unit
        }
        return Double(trimmed).flatMap { $0 > 0 ? $0 : nil }
    }

    /// "12.5 GB", "640 MB".
    public static func format(_ bytes: Double) -> String {
        if bytes >= 0x1p30 { return String(format: "%.1f GB", bytes / 0x1p30) }
        return bytes >= 0x1p20 ? String(format: "%.0f MB", bytes / 0x1p20) : String(format: "%.0f KB", bytes / 0x1p10)
    }
}

/// Work refused because it would need more memory than the limit (`MemoryBudget`).
public struct MemoryBudgetError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
