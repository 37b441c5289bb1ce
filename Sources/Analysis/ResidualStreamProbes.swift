import Foundation
import Tensor

/// Position probes and PCA of one residual stream: where the model keeps position.
public struct ResidualStreamReport: Sendable, Codable, Equatable {
    public var stream: String
    /// Whether the vectors were LayerNorm-normalised (centred and divided by their RMS) first.
    public var normalized: Bool
    public var ridgeR2: Double
    public var logisticAccuracy: Double
    public var logisticAccuracyWithin1: Double
}

/// Splits residual vectors `[batch, n_ctx, d]` by sequence into a train and a test half and
/// fits the position probes on them.
public enum PositionProbes {
    public struct Settings: Sendable {
        /// Training sequences are the first `trainFraction` of the batch; the rest are held out.
        public var trainFraction = 0.5
        /// At most this many training sequences are used by the logistic probe (its cost grows
        /// with them; the ridge probe uses them all).
        public var logisticTrainSequences = 32
        public var logistic = LogisticProbe.Settings()
        public init() {}
    }

    public static func report(stream: String, residual: Tensor, normalized: Bool, settings: Settings = Settings()) throws(AnalysisError) -> ResidualStreamReport {
        guard residual.rank == 3 else { throw .badInput("\(stream): expected [batch, n_ctx, d], got \(residual.shape)") }
        let (batch, n, d) = (residual.shape[0], residual.shape[1], residual.shape[2])
        let x = normalized ? Self.normalize(residual) : residual
        let trainCount = max(1, min(batch - 1, Int(Double(batch) * settings.trainFraction)))
        func rows(_ sequences: Range<Int>) -> Tensor {
            Tensor(shape: [sequences.count * n, d], scalars: Array(x.scalars[(sequences.lowerBound * n * d)..<(sequences.upperBound * n * d)]))
        }
        func positions(_ sequences: Range<Int>) -> [Int] { (0..<(sequences.count * n)).map { $0 % n } }
        let train = 0..<trainCount, test = trainCount..<batch
        let ridge = try RidgeProbe(features: rows(train), targets: positions(train).map(Float.init))
        let r2 = ridge.rSquared(features: rows(test), targets: positions(test).map(Float.init))
        let logisticTrain = 0..<min(trainCount, settings.logisticTrainSequences)
        let logistic = try LogisticProbe(features: rows(logisticTrain), labels: positions(logisticTrain),
                                         classCount: n, settings: settings.logistic)
        let accuracy = logistic.accuracy(features: rows(test), labels: positions(test))
        return ResidualStreamReport(stream: stream, normalized: normalized, ridgeR2: r2,
                                    logisticAccuracy: accuracy.exact, logisticAccuracyWithin1: accuracy.withinTolerance)
    }

    /// `report` for each of `jobs`, on `threads` threads.
    public static func reports(_ jobs: [(stream: String, residual: Tensor, normalized: Bool)], settings: Settings = Settings(),
                               threads: Int) throws(AnalysisError) -> [ResidualStreamReport] {
        try ParallelJobs.map(jobs.count, threads: threads) { i, _ throws(AnalysisError) in
            try report(stream: jobs[i].stream, residual: jobs[i].residual, normalized: jobs[i].normalized, settings: settings)
        }
    }

    /// Each vector centred and divided by its RMS (LayerNorm without weight and bias, eps 1e-5).
    public static func normalize(_ x: Tensor) -> Tensor {
        let d = x.shape[x.rank - 1]
        return WeightCircuits.layerNorm(x, weight: Tensor(shape: [d], repeating: 1), bias: Tensor(shape: [d]))
    }
}
