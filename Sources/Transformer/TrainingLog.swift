import Foundation
import AtomicFiles
import Tensor

/// The training log, `log.csv`: one row per logged step.
///
/// Columns: `step` (updates done), `loss` (training loss of that step's batch), `eval_loss`
/// (loss on the fixed held-out batch after the update), `lr`, `grad_norm` (before clipping),
/// `tokens_per_s` (since the previous row; the only column that varies between identical runs,
/// so it is left empty, and the log byte-identical, when `Trainer.recordsThroughput` is off).
public struct TrainingLog: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var step: Int
        public var loss: Float
        public var evalLoss: Float
        public var lr: Float
        public var gradNorm: Float
        /// nil when not recorded.
        public var tokensPerSecond: Double?

        var csv: String { "\(step),\(loss),\(evalLoss),\(lr),\(gradNorm)," + (tokensPerSecond.map { String(Int($0.rounded())) } ?? "") }
    }

    public static let header = "step,loss,eval_loss,lr,grad_norm,tokens_per_s"
    public var rows: [Row] = []

    public init(rows: [Row] = []) { self.rows = rows }

    /// Reads a log written by `write`; rows it cannot parse are dropped.
    public static func read(_ path: String) -> TrainingLog {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let table = columns(header.split(separator: ",").map(String.init), of: text) else { return TrainingLog() }
        let rows = table.compactMap { row -> Row? in
            guard let f = row.fields, let step = Int(f[0]), let loss = Float(f[1]), let evalLoss = Float(f[2]),
                  let lr = Float(f[3]), let norm = Float(f[4]), f[5].isEmpty || Double(f[5]) != nil else { return nil }
            return Row(step: step, loss: loss, evalLoss: evalLoss, lr: lr, gradNorm: norm, tokensPerSecond: Double(f[5]))
        }
        return TrainingLog(rows: rows)
    }

    /// The one reader of a log's CSV text, for `read` and for the copy an analysis folder keeps:
    /// each row's fields in the `names` columns, found by the header (nil when it lacks one),
    /// with the row's line number; a row too short for them has no fields.
    public static func columns(_ names: [String], of text: String) -> [(line: Int, fields: [Substring]?)]? {
        let lines = text.split(separator: "\n")
        guard let head = lines.first?.split(separator: ",", omittingEmptySubsequences: false) else { return nil }
        var indices = [Int]()
        for name in names {
            guard let index = head.firstIndex(where: { $0 == name }) else { return nil }
            indices.append(index)
        }
        return lines.dropFirst().enumerated().map { number, line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return (number + 2, indices.allSatisfy { $0 < fields.count } ? indices.map { fields[$0] } : nil)
        }
    }

    public func write(to path: String) throws(CheckpointError) {
        let text = ([Self.header] + rows.map(\.csv)).joined(separator: "\n") + "\n"
        do { try AtomicFile.write(Array(text.utf8), to: path) } catch { throw .file(.io(error)) }
    }
}
