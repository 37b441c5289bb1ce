import Foundation
import Tensor

/// Training throughput of the step the trainer runs (no checkpoints or logging), for
/// `rederive bench train`, plus the machine's sgemm peak for comparison.
public enum TrainingBenchmark {
    /// The presets of `shared/reference/README.md` (same shapes as `torch_model.py bench`).
    public static func preset(_ name: String) -> TrainingConfig? {
        func attentionOnly(_ d: Int, _ h: Int, _ e: Int, _ v: Int, _ n: Int, _ b: Int) -> TrainingConfig {
            TrainingConfig(model: ModelConfig(nLayers: 2, dModel: d, nHeads: h, dHead: e, dMLP: nil, dVocab: v, nCtx: n),
                           batch: b, steps: 100, lr: 1e-3)
        }
        switch name {
        case "study": var c = TrainingConfig.study; c.lr = 1e-3; return c
        case "A": return attentionOnly(64, 4, 16, 64, 32, 64)
        case "B": return attentionOnly(128, 4, 32, 128, 64, 64)
        case "C": return attentionOnly(256, 8, 32, 512, 128, 32)
        default: return nil
        }
    }

    public static let presetNames = ["study", "A", "B", "C"]

    public struct Result: Sendable {
        public var preset: String
        public var threads: Int
        public var stepMillisecondsMedian: Double
        public var stepMillisecondsMin: Double
        public var stepsPerSecond: Double
        public var tokensPerSecond: Double
        public var gflops: Double
        public var peakRSSMegabytes: Double
        public var finalLoss: Float
    }

    /// Times `steps` training steps after `warmup` untimed ones (AdamW at lr 1e-3, as the
    /// PyTorch bench).
    public static func run(_ config: TrainingConfig, preset: String, steps: Int = 100, warmup: Int = 10, threads: Int) -> Result {
        ComputeThreads.count = threads
        let parameters = Parameters(config: config.model, seed: 0)
        let state = TrainingStep(config: config, parameters: parameters,
                                 optimizer: AdamW(layout: parameters.layout, betas: config.betas, weightDecay: config.weightDecay),
                                 generator: RandomGenerator(seed: 0, stream: 1))
        var times: [Double] = []
        var loss: Float = .nan
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            loss = state.run(lr: config.lr).loss
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            if i >= warmup { times.append(seconds) }
        }
        times.sort()
        let median = times.isEmpty ? .nan : times[times.count / 2]
        let tokens = Double(config.batch * config.model.nCtx)
        let flops = 3 * config.model.forwardFLOPsPerToken(contextLength: config.model.nCtx) * tokens
        return Result(preset: preset, threads: threads, stepMillisecondsMedian: median * 1e3,
                      stepMillisecondsMin: (times.first ?? .nan) * 1e3, stepsPerSecond: 1 / median,
                      tokensPerSecond: tokens / median, gflops: flops / median / 1e9,
                      peakRSSMegabytes: peakRSSMegabytes(), finalLoss: loss)
    }

    /// A floor for the step time: the sgemm calls of one step, recorded, then timed one shape at a
    /// time with operands warm in cache on one thread (as each shard runs them), divided
    /// among the threads. The step can only beat it by doing fewer products. In milliseconds.
    public static func sgemmFloorMilliseconds(_ config: TrainingConfig, threads: Int) -> Double {
        sgemmShapes(config, threads: threads).reduce(0) { $0 + $1.milliseconds }
    }

    /// The floor's parts: each product shape of one step, its calls and their share of the
    /// floor in milliseconds (divided among the threads), slowest first.
    public static func sgemmShapes(_ config: TrainingConfig, threads: Int)
        -> [(shape: GemmShape, calls: Int, milliseconds: Double, gflops: Double)] {
        ComputeThreads.count = threads
        let parameters = Parameters(config: config.model, seed: 0)
        let state = TrainingStep(config: config, parameters: parameters,
                                 optimizer: AdamW(layout: parameters.layout, betas: config.betas, weightDecay: config.weightDecay),
                                 generator: RandomGenerator(seed: 0, stream: 1))
        let recorder = GemmRecorder()
        Gemm.recorder = recorder
        _ = state.run(lr: config.lr)
        Gemm.recorder = nil
        Gemm.threadCount = 1
        defer { Gemm.threadCount = threads }
        return recorder.isolatedTimes().map { shape, count, seconds in
            (shape, count, seconds * Double(count) / Double(state.workers) * 1e3,
             2 * Double(shape.m * shape.n * shape.k) / seconds / 1e9)
        }
    }

    /// GFLOP/s of a square `size` sgemm (best of `repeats`), the reference for "fraction of peak".
    public static func sgemmPeak(size: Int = 2048, repeats: Int = 5, threads: Int) -> Double {
        Gemm.threadCount = threads
        let a = [Float](repeating: 0.5, count: size * size), b = a
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                Gemm.product(m: size, n: size, k: size, a: a.baseAddress!, lda: size, b: b.baseAddress!, ldb: size,
                          c: c.baseAddress!, ldc: size)
            } } }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return 2 * pow(Double(size), 3) / best / 1e9
    }

    /// The process's peak resident set size.
    public static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
    }
}
