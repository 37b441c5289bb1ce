#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles
import Foundation
import Pipeline

/// The folder `rederive check` regenerates a pipeline in, and how the pipeline's sources get
/// there.
///
/// - It is a folder check made (marked `check-scratch`), an empty folder, or a new one; any
///   other folder is refused, never emptied. It is not the project, does not hold it, and is
///   not inside one of its inputs (the copy would copy itself).
/// - Without `--scratch` it is `$TMPDIR/rederive-check-<pipeline>-<pid>`, removed at the end;
///   a killed check's is removed by the next check, once its process is gone.
/// - Inputs are copied in, never moved, and nothing is written beside them: an input inside the
///   project keeps its path; one outside (absolute, or with `..`) is copied to
///   `_external/<hash of its path>/<name>` and the scratch make reads it there
///   (`MakeOptions.inputRedirects`), so the lock keeps the path as written.
struct CheckScratch {
    let path: String
    /// Whether check made it for this run only (no `--scratch`): removed at the end.
    let isTemporary: Bool

    static let temporaryPrefix = "rederive-check-"

    /// Makes the scratch folder: `requested` (relative to the current folder) or a temporary one.
    static func prepare(_ requested: String?, project: Project, pipeline: Pipeline) throws(PipelineError) -> CheckScratch {
        removeStale()
        let path: String
        if let requested {
            path = absolute(requested)
            try refuseOverlap(path, project: project, pipeline: pipeline)
        } else {
            path = temporaryFolder() + temporaryPrefix + "\(project.name)-\(getpid())"
        }
        try claim(path, as: .checkScratch, what: "--scratch")
        return CheckScratch(path: path, isTemporary: requested == nil)
    }

    /// Empties `path` if it is a folder check made as `kind`, or creates it; refuses anything
    /// else. Then marks it.
    static func claim(_ path: String, as kind: FolderKind, what: String) throws(PipelineError) {
        do {
            try OwnedFolder.requireReplaceable(path, by: [kind], advice: "give \(what) a new or empty folder; nothing was changed")
        } catch {
            throw PipelineError(.invalidPath, at: nil, "\(what) \(error.summary)", hint: error.advice)
        }
        AtomicFile.remove(path)
        do {
            try AtomicFile.makeFolders(path)
            try OwnedFolder.mark(path, as: kind)
        } catch {
            throw PipelineError(.io, at: nil, error.summary, hint: error.advice)
        }
    }

    /// `--report` and `--scratch` may not lie in the project's `Pipelines/` or `.git/`.
    static func refuseProtected(_ path: String, project: Project, what: String) throws(PipelineError) {
        let real = resolved(path), root = resolved(project.root)
        for protected in ["Pipelines", ".git"] where real == root + "/" + protected || real.hasPrefix(root + "/" + protected + "/") {
            throw PipelineError(.invalidPath, at: nil, "\(what) \(path) is inside the project's \(protected)/, which Rederive never writes into",
                                hint: "give \(what) a folder of its own")
        }
    }

    /// The scratch may not be the project, hold it, or lie in one of its inputs.
    static func refuseOverlap(_ path: String, project: Project, pipeline: Pipeline) throws(PipelineError) {
        try refuseProtected(path, project: project, what: "--scratch")
        let scratch = resolved(path)
        let root = resolved(project.root)
        if scratch == root || root.hasPrefix(scratch + "/") {
            throw PipelineError(.invalidPath, at: nil, "--scratch \(path) is the project folder or holds it",
                                hint: "give --scratch a new folder outside the project")
        }
        for stage in pipeline.stages {
            for input in stage.inputs where input.producer == nil {
                let real = resolved(project.absolute(input.path))
                if scratch == real || scratch.hasPrefix(real + "/") || real.hasPrefix(scratch + "/") {
                    throw PipelineError(.invalidPath, at: nil, "--scratch \(path) overlaps the input \(input.path) (\(input.location))",
                                        hint: "give --scratch a new folder apart from the pipeline's inputs")
                }
            }
        }
    }

    /// Removes the temporary scratch folders of checks that are no longer running: only those
    /// check marked, so a folder of the same name that someone else made stays.
    static func removeStale() {
        let folder = temporaryFolder()
        for name in AtomicFile.entries(of: folder) where name.hasPrefix(temporaryPrefix) {
            guard let dash = name.lastIndex(of: "-"), let pid = Int32(name[name.index(after: dash)...]), pid > 0,
                  !AtomicFile.isRunning(pid), OwnedFolder.kind(of: folder + name) == .checkScratch else { continue }
            AtomicFile.remove(folder + name)
        }
    }

    // MARK: Sources

    /// Copies the pipeline file, its lock and every input no stage produces into the scratch;
    /// returns where the scratch make reads the inputs from outside the project.
    func copySources(of pipeline: Pipeline, project: Project) throws(PipelineError) -> [String: String] {
        var redirects = [String: String]()
        var copies = [(from: String, to: String)]()
        for file in [project.pipelineFile, project.lockPath] where FileManager.default.fileExists(atPath: file) {
            copies.append((file, path + "/" + CheckScratch.relative(file, to: project.root)))
        }
        var seen = Set<String>()
        for stage in pipeline.stages {
            for input in stage.inputs where input.producer == nil && seen.insert(input.path).inserted {
                let source = project.absolute(input.path)
                if input.path.hasPrefix("/") || input.path.split(separator: "/").contains("..") {
                    let name = (source as NSString).lastPathComponent
                    let mapped = path + "/_external/" + SHA256.hex(input.path).prefix(16) + "/" + name
                    redirects[input.path] = mapped
                    copies.append((source, mapped))
                } else {
                    copies.append((source, path + "/" + input.path))
                }
            }
        }
        for (from, to) in copies.sorted(by: { $0.to < $1.to }) where FileManager.default.fileExists(atPath: from) {
            try ScratchCopy.copy(from, to: to)
        }
        return redirects
    }

    // MARK: Paths

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func relative(_ path: String, to root: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// `path` with symlinks resolved as far as it exists, `..` and `.` applied.
    static func resolved(_ path: String) -> String {
        (URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path as String)
    }

    static func temporaryFolder() -> String {
        let folder = NSTemporaryDirectory()
        return folder.hasSuffix("/") ? folder : folder + "/"
    }
}
