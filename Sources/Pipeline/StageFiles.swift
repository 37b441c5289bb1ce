import AtomicFiles
import Foundation

/// A stage's files on disk, for the builder and for `run-stage` alike: its log, this process's
/// temporary outputs beside the final ones, and their commit by rename once the stage has
/// succeeded, hashed for the lock. Nothing else moves a stage's outputs into place.
///
/// What the lock records of the stage's last build comes in as a value (`built`): an output it
/// records is this pipeline's to replace even without a folder marker.
struct StageFiles {
    let project: Project
    /// The pipeline's `artifacts:` folder, under which its logs and state live.
    let artifacts: String
    let hasher: FileHasher

    /// With the pipeline's hash cache, loaded now.
    init(project: Project, artifacts: String) {
        self.project = project
        self.artifacts = artifacts
        hasher = FileHasher(project: project, artifacts: artifacts)
    }

    /// The stage's own log, whichever executor runs it.
    func logPath(_ stage: Stage) -> String { project.logPath(ofStage: stage.name, artifacts: artifacts) }

    /// Refuses, before a stage runs, to replace a folder at one of its outputs that holds files
    /// Rederive did not make, unless the lock records that this pipeline built it: a first
    /// `make` of `outputs: [data/]` must not delete the user's `data/raw.csv`.
    func refuseForeignOutputFolders(_ stage: Stage, built: LockEntry?) throws(PipelineError) {
        guard let (output, problem) = foreignOutputFolder(of: stage, built: built) else { return }
        throw PipelineError(.invalidPath, at: output.location, "output \(output.path)/ of stage '\(stage.name)' \(problem)",
                            hint: "move them away or give the stage another output folder, then run make again; nothing was changed")
    }

    /// The first output of `stage` that `refuseForeignOutputFolders` refuses, and why.
    func foreignOutputFolder(of stage: Stage, built: LockEntry?) -> (StageOutput, String)? {
        for output in stage.outputs where built?.outputs[output.path] == nil {
            let final = project.absolute(output.path)
            guard output.isDirectory || AtomicFileIO.isDirectory(final) else { continue }
            switch OwnedFolder.state(of: final) {
            case .absent, .empty, .ours: continue
            case .file: return (output, "is a file, which its first build would replace with a folder")
            case .notOurs(let sample):
                return (output, "already holds files Rederive did not make (" + sample.joined(separator: ", ")
                        + (sample.count == 3 ? ", ..." : "") + "), which its first build would replace")
            }
        }
        return nil
    }

    /// This process's temporary paths next to each output (same folder, so the final rename is
    /// atomic), removed first should an earlier run of this stage have left them; folder
    /// outputs get an empty temporary folder.
    func prepare(_ stage: Stage) throws(PipelineError) -> [StageOutputSlot] {
        var slots = [StageOutputSlot]()
        for output in stage.outputs {
            let final = project.absolute(output.path)
            let temporary = OutputTemporaries.temporaryPath(for: final)
            try AtomicFileIO.makeFolders(folder(of: final))
            AtomicFileIO.remove(temporary)
            if output.isDirectory { try AtomicFileIO.makeFolders(temporary) }
            slots.append(StageOutputSlot(name: output.name, path: final, temporaryPath: temporary, isDirectory: output.isDirectory))
        }
        return slots
    }

    /// Renames each temporary output into place and hashes it: only for a stage that succeeded.
    func commit(_ stage: Stage, slots: [StageOutputSlot], built: LockEntry?) throws(PipelineError) -> [String: String] {
        for (slot, output) in zip(slots, stage.outputs) where !AtomicFileIO.exists(slot.temporaryPath) {
            throw PipelineError(.io, at: output.location, "stage finished but did not write output \(output.path)",
                                hint: "a stage writes each output at its temporary path ($OUT_... for cmd stages); the engine moves it into place")
        }
        var hashes = [String: String]()
        for (slot, output) in zip(slots, stage.outputs) {
            if slot.isDirectory || AtomicFileIO.isDirectory(slot.path) {
                try AtomicFileIO.commitFolder(slot.temporaryPath, to: slot.path, replacingUnmarked: built?.outputs[output.path] != nil)
            } else if rename(slot.temporaryPath, slot.path) != 0 {
                throw PipelineError(.io, at: nil, "cannot move \(slot.temporaryPath) to \(slot.path): \(String(cString: strerror(errno)))")
            }
            hasher.forget(output.path)
            hashes[output.path] = try hasher.hash(output.path) ?? ""
        }
        return hashes
    }

    /// Removes the temporaries of a stage that failed or was stopped.
    func discard(_ slots: [StageOutputSlot]) {
        for slot in slots { AtomicFileIO.remove(slot.temporaryPath) }
    }

    /// The hashes of outputs a job put in place itself (a cluster job's `run-stage`).
    func hashOutputsInPlace(_ stage: Stage) throws(PipelineError) -> [String: String] {
        var outputs = [String: String]()
        for output in stage.outputs {
            hasher.forget(output.path)
            guard let sha = try hasher.hash(output.path) else {
                throw PipelineError(.io, at: output.location, "the job completed but \(output.path) does not exist",
                                    hint: "is the project folder shared with the compute nodes at the same path?")
            }
            outputs[output.path] = sha
        }
        return outputs
    }

    /// The hashes of the stage's inputs as they are now (missing ones left out).
    func hashInputs(_ stage: Stage) throws(PipelineError) -> [String: String] {
        var inputs = [String: String]()
        for input in stage.inputs { if let sha = try hasher.hash(input.path) { inputs[input.path] = sha } }
        return inputs
    }

    /// A killed make leaves the temporary outputs of the stages it was running, and its stages'
    /// own temporaries of dead processes beside them (`.NAME.tmp-PID`). Each make's temporaries
    /// carry its process id (`OutputTemporaries`), so those of makes no longer running are
    /// stale, whether or not their stage runs again; a live make's are left alone. A make killed
    /// while writing the lock file or its state leaves `.p.lock.tmp-PID` beside the pipeline and
    /// temporaries in the state folders: those are swept too.
    func removeStaleTemporaries(of pipeline: Pipeline) {
        // The state folders: the project's (caches, snapshot) and the pipeline's own `artifacts:`.
        let stateFolders = Set(["artifacts", pipeline.artifacts].map { project.stateFolder(artifacts: $0) })
        for swept in [folder(of: project.lockPath)] + stateFolders.sorted() { AtomicFileIO.removeStaleTemporaries(in: swept) }
        var folders = [String: Set<String>]()
        for stage in pipeline.stages {
            for output in stage.outputs {
                let final = project.absolute(output.path)
                guard let slash = final.lastIndex(of: "/") else { continue }
                folders[String(final[..<slash]), default: []].insert(String(final[final.index(after: slash)...]))
            }
        }
        for (folder, outputs) in folders.sorted(by: { $0.key < $1.key }) { OutputTemporaries.removeStale(in: folder, outputs: outputs) }
    }
}
