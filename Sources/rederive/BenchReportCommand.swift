import Analysis
import ArgumentParser
import Foundation
import Report
import Transformer

/// `rederive bench report`: the time to write the whole report (analysis, figures, HTML, PDF) for
/// freshly initialised models of two sizes: the study's, and 4 layers × 8 heads at d_model 256.
struct BenchReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Time `rederive report` on a study-sized and a 4-layer, 8-head, d_model 256 model (goals: 3 s and 20 s on 2 cores).")

    @Option(help: "Timed repetitions per model.")
    var repeats: Int = 3
    @OptionGroup var threading: ThreadOptions

    func run() throws {
        let threads = threading.apply()
        let folder = NSTemporaryDirectory() + "rederive-bench-report-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let large = ModelConfig(nLayers: 4, dModel: 256, nHeads: 8, dHead: 32, dMLP: 1024, actFn: .gelu, dVocab: 300, nCtx: 50)
        for (name, model, goal) in [("study", ModelConfig.study, 3.0), ("4x8x256", large, 20.0)] {
            var config = TrainingConfig.study
            config.model = model
            let path = folder + "/\(name).safetensors"
            try Checkpoint(model: Model(config: model, seed: 0), config: config, step: 0, loss: .nan, optimizerFile: nil).write(to: path)
            var times = [Double]()
            for _ in 0..<max(repeats, 1) {
                let start = DispatchTime.now().uptimeNanoseconds
                try ModelReport.write(source: path, out: folder + "/\(name)")
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            let median = times.sorted()[times.count / 2]
            print(JSONOutput(["model": .string(name), "report_s_median": JSONOutput.number(median, digits: 2),
                              "report_s_min": JSONOutput.number(times.min() ?? median, digits: 2), "goal_s": JSONOutput.number(goal),
                              "repeats": .int(times.count), "threads": .int(threads)]).text)
        }
    }
}
