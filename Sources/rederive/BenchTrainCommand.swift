import ArgumentParser
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
    @Option(help: "Threads.")
    var threads: Int = 2
    @Flag(help: """
        Also measure the cores' FMA peak and our kernel's product at 2048^3 (its share of that \
        peak), each preset's share of the product's speed, and its product floor: the step's \
        products timed one at a time, warm, which no step can beat.
        """)
    var sgemm = false
    @Flag(help: "With --sgemm, also print the product floor's parts: one JSON line per product shape.")
    var shapes = false

    func run() throws {
        let names = preset.map { [$0] } ?? TrainingBenchmark.presetNames
        var peak: Double?
        if sgemm {
            let fmaPeak = Gemm.fmaPeakGFLOPs(threads: threads)
            let gflops = TrainingBenchmark.sgemmPeak(threads: threads)
            peak = gflops
            print("{\"fma_peak_gflops\": \(String(format: "%.1f", fmaPeak)), \"sgemm_2048_gflops\": \(String(format: "%.1f", gflops)), "
                  + "\"sgemm_fraction_of_fma_peak\": \(String(format: "%.3f", gflops / fmaPeak)), "
                  + "\"kernels\": \"\(KernelPath.current.rawValue)\", \"threads\": \(threads)}")
        }
        for name in names {
            guard let config = TrainingBenchmark.preset(name) else {
                throw ValidationError("unknown preset '\(name)'; use one of \(TrainingBenchmark.presetNames.joined(separator: ", "))")
            }
            let result = TrainingBenchmark.run(config, preset: name, steps: steps, warmup: warmup, threads: threads)
            var line = result.json
            if let peak {
                let floor = TrainingBenchmark.sgemmFloorMilliseconds(config, threads: threads)
                line = String(line.dropLast()) + ", \"fraction_of_sgemm_peak\": \(String(format: "%.3f", result.gflops / peak)), "
                    + "\"sgemm_floor_ms\": \(String(format: "%.2f", floor))}"
            }
            print(line)
            if sgemm && shapes {
                for part in TrainingBenchmark.sgemmShapes(config, threads: threads) {
                    let s = part.shape
                    print("{\"preset\": \"\(name)\", \"shape\": \"\(s.transposeA ? "T" : "N")\(s.transposeB ? "T" : "N") "
                          + "\(s.m)x\(s.n)x\(s.k)\", \"calls\": \(part.calls), "
                          + "\"floor_ms\": \(String(format: "%.2f", part.milliseconds)), \"gflops\": \(String(format: "%.1f", part.gflops))}")
                }
            }
        }
    }
}
