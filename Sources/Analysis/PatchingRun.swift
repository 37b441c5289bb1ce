import AtomicFiles
import Foundation
import Tensor
import Transformer

/// `rederive patch`: activation patching of one model into a folder of `.npy` arrays, one per
/// sweep with its `_normalized` twin, and `summary.json`; written whole or not at all.
public enum PatchingRun {
    /// Where the clean and corrupted tokens come from.
    public enum Source: Sendable {
        /// `--clean C.npy --corrupted X.npy --answers A.npy`.
        case files(clean: String, corrupted: String, answers: String)
        /// The model's task, corrupted at the position the answer recalls
        /// (`PatchingInputs.taskCorruption`); the three arrays are written into the folder.
        case task(sequences: Int, seed: UInt64, position: Int?)
    }

    public struct Settings: Sendable {
        public var source: Source
        public var sweeps: [PatchingSweep]?
        public var checkpoint: CheckpointOptions
        public var threads: Int
        public init(source: Source, sweeps: [PatchingSweep]? = nil, checkpoint: CheckpointOptions = CheckpointOptions(), threads: Int = 2) {
            self.source = source; self.sweeps = sweeps; self.checkpoint = checkpoint; self.threads = threads
        }

        /// Every file the command reads: the output folder must hold none of them.
        public func inputFiles(model: String) -> [String] {
            var files = [model] + [checkpoint.configFile].compactMap { $0 }
            if case .files(let c, let x, let a) = source { files += [c, x, a] }
            return files
        }
    }

    /// Patches `model` (a run folder, checkpoint or state dict) into `folder`, built beside it and
    /// swapped in when complete; bad input throws before anything is written.
    @discardableResult
    public static func run(_ model: String, into folder: String, settings: Settings, force: Bool = false,
                           progress: (String) -> Void = { _ in }) throws(AnalysisError) -> PatchingSummary {
        // A folder that would be refused is refused before the work (claiming without --force
        // changes nothing); with --force it is set aside only once the results exist.
        if !force {
            do { try OwnedFolder.claim(folder, as: .patching, reading: settings.inputFiles(model: model), force: false) } catch {
                throw .cannotWrite(path: error.path, reason: "\(error)")
            }
        }
        let checkpoint = try load(model, options: settings.checkpoint)
        checkpoint.notes.forEach(progress)
        let inputs = try makeInputs(settings.source, checkpoint: checkpoint)
        let sweeps = settings.sweeps ?? PatchingSweep.available(for: checkpoint.config.model)
        progress("patching \(sweeps.map(\.rawValue).joined(separator: ", ")) on \(inputs.batch) sequences")
        let results = try ActivationPatching(model: checkpoint.model, inputs: inputs).run(sweeps, threads: max(1, settings.threads))
        let staging: String
        do throws(AtomicFileError) {
            if let kept = try OwnedFolder.claim(folder, as: .patching, reading: settings.inputFiles(model: model), force: force) {
                progress("kept the earlier contents of \(folder) in \(kept)")
            }
            staging = try AtomicFile.beginFolder(folder)
        } catch { throw .cannotWrite(path: error.path, reason: "\(error)") }
        do {
            let summary = try write(results, inputs: inputs, source: settings.source, model: model, config: checkpoint.config.json,
                                    into: staging)
            try AtomicFile.commitFolder(staging, to: folder, as: .patching)
            return summary
        } catch let error as AtomicFileError {
            AtomicFile.remove(staging)
            throw .cannotWrite(path: error.path, reason: "\(error)")
        } catch {
            AtomicFile.remove(staging)
            throw error as? AnalysisError ?? .cannotWrite(path: folder, reason: "\(error)")
        }
    }

    static func load(_ path: String, options: CheckpointOptions) throws(AnalysisError) -> Checkpoint {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .badCheckpoint(path: path, reason: "no such file or folder; give a run folder written by `rederive train` or a checkpoint .safetensors")
        }
        let file = isFolder.boolValue ? RunFolder(path).modelPath : path
        do { return try Checkpoint.load(file, options: options) } catch { throw .badCheckpoint(path: file, reason: "\(error)") }
    }

    static func makeInputs(_ source: Source, checkpoint: Checkpoint) throws(AnalysisError) -> PatchingInputs {
        let model = checkpoint.config.model
        switch source {
        case .files(let clean, let corrupted, let answers):
            return try PatchingInputs.read(clean: clean, corrupted: corrupted, answers: answers, model: model)
        case .task(let sequences, let seed, let position):
            guard sequences >= 1 else { throw .badInput("--sequences must be at least 1, got \(sequences)") }
            return try PatchingInputs.taskCorruption(checkpoint.config.task, model: model, sequences: sequences, seed: seed, position: position)
        }
    }

    static func write(_ results: PatchingResults, inputs: PatchingInputs, source: Source, model: String, config: String,
                      into folder: String) throws(AnalysisError) -> PatchingSummary {
        let output = try OutputFolder(folder)
        if case .task = source {
            let arrays = inputs.arrays
            try output.write(arrays.clean, .clean)
            try output.write(arrays.corrupted, .corrupted)
            try output.write(arrays.answers, .answers)
        }
        for (sweep, raw) in results.sweeps {
            try output.write(.float32(raw), .sweep(sweep, normalized: false))
            if let normalized = results.normalized(raw) { try output.write(.float32(normalized), .sweep(sweep, normalized: true)) }
        }
        let summary = PatchingSummary(results, inputs: inputs, model: (model as NSString).lastPathComponent, config: config,
                                      files: output.written.sorted() + [AnalysisFolder.summaryFile])
        try output.writeJSON(summary, AnalysisFolder.summaryFile)
        return summary
    }
}

/// `summary.json` of `rederive patch`.
public struct PatchingSummary: Codable, Sendable, Equatable {
    public var model: String
    /// The model's training config, as JSON (the keys of `rederive train`), as in the analysis
    /// summary: what a figure matches the patching to its run by.
    public var config: String
    public var metric = "mean over the batch of logit[correct] - logit[wrong] at the answer position"
    public var cleanMetric: Double
    public var corruptedMetric: Double
    /// Whether the `_normalized` arrays exist: (x − corrupted) / (clean − corrupted) needs the two
    /// metrics to differ.
    public var normalized: Bool
    public var note: String?
    public var sequences: Int
    public var positions: Int
    /// The distinct answer positions, ascending.
    public var answerPositions: [Int]
    public var sweeps: [String]
    public var files: [String]

    init(_ results: PatchingResults, inputs: PatchingInputs, model: String, config: String, files: [String]) {
        self.model = model
        self.config = config
        cleanMetric = Double(results.clean)
        corruptedMetric = Double(results.corrupted)
        normalized = results.normalizable
        note = results.normalizable ? nil : PatchingSummary.undefinedNote(results)
        sequences = inputs.batch
        positions = inputs.length
        answerPositions = Array(Set(inputs.answers.map(\.position))).sorted()
        sweeps = results.sweeps.map(\.sweep.rawValue)
        self.files = files
    }

    /// The sentence for equal metrics.
    static func undefinedNote(_ results: PatchingResults) -> String {
        "the clean and corrupted metrics are equal (\(results.clean)), so the normalised metric (x − corrupted) / (clean − corrupted) is undefined; only the raw arrays are written"
    }
}
