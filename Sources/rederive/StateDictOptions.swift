import ArgumentParser
import Transformer

/// How to open a model file Rederive did not write (a TransformerLens state dict): its config,
/// or answers to what the tensor shapes cannot show. Shared by every command that reads a model.
struct StateDictOptions: ParsableArguments {
    @Option(help: "A TransformerLens config as JSON (json.dump(cfg.to_dict(), f, default=str)) for a checkpoint rederive did not write.")
    var config: String?
    @Option(name: .customLong(String(CheckpointOptions.actFnFlag.dropFirst(2))),
            help: "For a state dict without a config: its activation function (relu or gelu); otherwise relu is assumed, and said.")
    var actFn: ModelConfig.ActivationFunction?
    @Option(name: .customLong(String(CheckpointOptions.normalizationFlag.dropFirst(2))),
            help: "For a state dict without a config and without LayerNorm weights: LNPre or none; otherwise none is assumed, and said.")
    var normalization: CheckpointOptions.NormalizationType?

    func checkpointOptions(task: TaskKind = .previousToken) -> CheckpointOptions {
        CheckpointOptions(configFile: config, task: task, actFn: actFn, normalization: normalization)
    }
}

extension ModelConfig.ActivationFunction: ExpressibleByArgument {}
extension CheckpointOptions.NormalizationType: ExpressibleByArgument {}
