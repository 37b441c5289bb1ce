import Analysis
import AtomicFiles
import Foundation
import Pipeline
import Tensor
import Transformer
import VegaLite

/// One parser under fuzzing: it gets arbitrary bytes and must either accept them or throw its
/// typed error. A crash, a hang or a leak is a finding.
enum FuzzTarget: String, CaseIterable {
    /// A pipeline file (`Pipelines/*.yaml`): parsed and expanded into stages.
    case pipeline
    /// A training config (`--config`), as YAML.
    case config
    /// A safetensors file, read strictly.
    case safetensors
    /// An `.npy` file.
    case npy
    /// A checkpoint of a tiny model, loaded and analysed in full into a scratch folder.
    case checkpoint
    /// A pipeline file in a folder layout (symlinks, FIFOs, existing folders, `..` paths),
    /// through `make --dry-run`, `status` and `clean`: nothing but Rederive's own files may
    /// change (`LayoutFuzz`).
    case layout
    /// A Vega-Lite spec (JSON or YAML, data inline), parsed and translated to a figure.
    case vegalite
    /// A spec's data file, read as CSV and as `.npy` by a fixed spec over it.
    case specdata

    func run(_ bytes: [UInt8]) {
        switch self {
        case .vegalite:
            guard let text = String(validating: bytes, as: UTF8.self),
                  let spec = try? VegaLiteSpec.parse(text, path: "fuzz.vl.json", folder: Self.scratch) else { return }
            _ = try? spec.figure()
        case .specdata:
            for (name, spec) in Self.dataSpecs {
                guard (try? AtomicFile.write(bytes, to: Self.scratch + "/" + name)) != nil,
                      let loaded = try? VegaLiteSpec.parse(spec, path: "fuzz.vl.json", folder: Self.scratch) else { continue }
                _ = try? loaded.figure()
            }
        case .pipeline:
            guard let text = String(validating: bytes, as: UTF8.self),
                  let file = try? PipelineFile.parse(yaml: text, path: "fuzz.yaml", registry: ParseOnlyRunner.studyKinds) else { return }
            _ = try? PipelineExpander.expand(file, root: Self.scratch)
        case .config:
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? ConfigLoader.load(yaml: text, source: "fuzz.yaml")
        case .safetensors:
            _ = try? SafetensorsFile.decode(bytes, path: "fuzz.safetensors")
        case .npy:
            _ = try? NumpyFile.decode(bytes, path: "fuzz.npy")
        case .layout:
            LayoutFuzz.run(bytes, scratch: Self.scratch)
        case .checkpoint:
            guard let contents = try? SafetensorsFile.decode(bytes, path: "fuzz.safetensors"),
                  let checkpoint = try? Checkpoint.decode(contents, path: "fuzz.safetensors") else { return }
            // The tensors bound the model's size by the file's, except the context, which only
            // sets the evaluation batch: keep it small so that each input takes milliseconds.
            let model = checkpoint.config.model
            guard model.nCtx <= 64, model.dVocab <= 512, model.nLayers <= 4 else { return }
            _ = try? CheckpointAnalysis(checkpoint: checkpoint, path: "fuzz.safetensors", settings: Self.settings)
                .write(to: Self.scratch + "/analysis")
        }
    }

    /// Fixed specs over the fuzzed bytes as a data file: each reader, then the translation.
    static let dataSpecs = [
        ("fuzz.csv", #"{"data": {"url": "fuzz.csv"}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}, "y": {"field": "b", "type": "nominal"}}}"#),
        ("fuzz.npy", #"{"data": {"url": "fuzz.npy"}, "mark": "rect", "encoding": {"x": {"field": "i1", "type": "ordinal"}, "y": {"field": "i0", "type": "ordinal"}, "color": {"field": "value", "type": "quantitative"}}}"#),
    ]

    /// Small analysis settings: the same code paths, less arithmetic.
    static let settings: AnalysisSettings = {
        var settings = AnalysisSettings()
        settings.evalSequences = 8
        settings.ablationSequences = 2
        settings.probes.logistic.iterations = 5
        return settings
    }()

    /// A folder of this process for outputs, removed by the next run once this one has ended.
    static let scratch: String = {
        let folder = NSTemporaryDirectory() + "rederive-fuzz"
        AtomicFile.removeStaleTemporaries(in: folder)
        return AtomicFile.temporaryPath(for: folder + "/scratch")
    }()
}
