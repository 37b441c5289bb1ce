import Foundation

/// The learning rate at each step: linear warm-up, then constant (the study) or cosine decay.
///
/// Warm-up matches the study's `LambdaLR(lambda s: min((s + 1) / warmup, 1))`: the first step
/// (index 0) uses `lr / warmup`.
public struct LearningRateSchedule: Sendable, Equatable {
    public var base: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var shape: TrainingConfig.Schedule

    public init(base: Float, warmupSteps: Int, totalSteps: Int, shape: TrainingConfig.Schedule = .constant) {
        self.base = base; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.shape = shape
    }

    public init(_ config: TrainingConfig) {
        self.init(base: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps, shape: config.lrSchedule)
    }

    /// The rate for the update at 0-based `step`.
    public func rate(at step: Int) -> Float {
        if warmupSteps > 0 && step + 1 < warmupSteps {
            return base * Float(step + 1) / Float(warmupSteps)
        }
        switch shape {
        case .constant: return base
        case .cosine:
            let span = max(1, totalSteps - warmupSteps)
            let progress = min(1, Double(max(0, step + 1 - warmupSteps)) / Double(span))
            return base * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }
}
