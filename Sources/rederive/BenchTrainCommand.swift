import ArgumentParser
import Pipeline
import Tensor
import Transformer

/// `rederive bench train`: training throughput per preset, as `torch_model.py bench`.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training steps/s, tokens/s, GFLOP/s and peak memory for the study and presets A, B, C.")

    @Option(help: "study, A, B or C; all four when omitted.")
    var preset: String?
    @Option(help: "Timed steps per preset.")
    var steps: Int = 100
    @Option(help: "Untimed warm-up steps.")
    var warmup: Int = 10
    @OptionGroup var threading: ThreadOptions
    @Flag(help: """
        Also measure the cores' FMA peak and our kernel's product at 2048^3 (its share of that \
        peak), each preset's share of the product's speed, and its product floor: the step's \
        products timed one at a time, warm, which no step can beat.
        """)
    var sgemm = false
    @Flag(help: "With --sgemm, also print the product floor's parts: one JSON line per product shape.")
    var shapes = false

    func run() throws {
        let threads = threading.threads
        let names = preset.map { [$0] } ?? TrainingBenchmark.presetNames
        var peak: Double?
        if sgemm {
            let fmaPeak = Gemm.fmaPeakGFLOPs(threads: threads)
            let gflops = TrainingBenchmark.sgemmPeak(threads: threads)
            peak = gflops
            print(JSONOutput(["fma_peak_gflops": JSONOutput.number(fmaPeak, digits: 1), "sgemm_2048_gflops": JSONOutput.number(gflops, digits: 1),
                              "sgemm_fraction_of_fma_peak": JSONOutput.number(gflops / fmaPeak, digits: 3),
                              "kernels": .string(KernelPath.current.rawValue), "threads": .int(threads)]).text)
        }
        for name in names {
            guard let config = TrainingBenchmark.preset(name) else {
                throw ValidationError("unknown preset '\(name)'; use one of \(TrainingBenchmark.presetNames.joined(separator: ", "))")
            }
            let result = TrainingBenchmark.run(config, preset: name, steps: steps, warmup: warmup, threads: threads)
            var line = Self.fields(result)
            if let peak {
                line["fraction_of_sgemm_peak"] = JSONOutput.number(result.gflops / peak, digits: 3)
                line["sgemm_floor_ms"] = JSONOutput.number(TrainingBenchmark.sgemmFloorMilliseconds(config, threads: threads), digits: 2)
            }
            print(JSONOutput(line).text)
            if sgemm && shapes {
                for part in TrainingBenchmark.sgemmShapes(config, threads: threads) {
                    let s = part.shape
                    print(JSONOutput(["preset": .string(name), "shape": .string("\(s.transposeA ? "T" : "N")\(s.transposeB ? "T" : "N") \(s.m)x\(s.n)x\(s.k)"),
                                      "calls": .int(part.calls), "floor_ms": JSONOutput.number(part.milliseconds, digits: 2),
                                      "gflops": JSONOutput.number(part.gflops, digits: 1)]).text)
                }
            }
        }
    }

    /// One preset's line, as `torch_model.py bench` prints it.
    static func fields(_ result: TrainingBenchmark.Result) -> [String: ParamValue] {
        ["preset": .string(result.preset), "threads": .int(result.threads),
         "step_ms_median": JSONOutput.number(result.stepMillisecondsMedian, digits: 2),
         "step_ms_min": JSONOutput.number(result.stepMillisecondsMin, digits: 2),
         "steps_per_s": JSONOutput.number(result.stepsPerSecond, digits: 2), "tokens_per_s": .int(Int(result.tokensPerSecond.rounded())),
         "gflops": JSONOutput.number(result.gflops, digits: 2), "peak_rss_mb": JSONOutput.number(result.peakRSSMegabytes, digits: 2),
         "final_loss": JSONOutput.number(result.finalLoss)]
    }
}
