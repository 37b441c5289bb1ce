#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the paths Rederive writes really lead, symlinks resolved, checked each time a pipeline
/// is loaded (parsed or from the cache), before anything is written: the artifacts folder, its
/// logs and caches, and every output must resolve inside the project folder, and an output must
/// not be, or hold, the project itself, `Pipelines/`, `.git/`, the pipeline file, or an input
/// that no stage writes. `ProjectPaths` has already refused what the text alone shows.
///
/// An output that is itself a symlink is checked both ways: where make puts it (its folder
/// resolved; make replaces the link, never its target) and where the link leads.
struct ProjectBoundary {
    let project: Project
    let pipeline: Pipeline
    /// The project folder, resolved.
    let root: String
    /// The pipeline file, resolved.
    let pipelineFile: String
    private var resolved = [String: String]()

    init(project: Project, pipeline: Pipeline) {
        self.project = project
        self.pipeline = pipeline
        root = ProjectBoundary.realPath(project.root) ?? project.root
        pipelineFile = ProjectBoundary.realPath(project.pipelineFile) ?? project.pipelineFile
    }

    /// Checks the artifacts folder and every output; throws the first problem.
    static func check(_ pipeline: Pipeline, project: Project) throws(PipelineError) {
        var boundary = ProjectBoundary(project: project, pipeline: pipeline)
        try boundary.checkArtifacts()
        try boundary.checkOutputs()
    }

    /// Throws unless `path` (absolute) resolves inside the project: for the state folder that
    /// `make` locks before it reads the pipeline.
    static func requireInside(_ path: String, project: Project, what: String) throws(PipelineError) {
        var boundary = ProjectBoundary(project: project, pipeline: Pipeline(name: project.name, file: project.pipelineFile, root: project.root,
                                                                            artifacts: "artifacts", params: [:], stages: [], index: [:], producers: [:]))
        let real = boundary.resolve(path)
        guard !boundary.isInside(real) else { return }
        throw PipelineError(.invalidPath, at: nil, "\(what) \(path) resolves to \(real), outside the project folder \(boundary.root)",
                            hint: "a symbolic link leads out of the project; remove it, or make it a folder inside the project")
    }

    // MARK: The checks

    mutating func checkArtifacts() throws(PipelineError) {
        let location = pipeline.artifactsLocation ?? SourceLocation(file: pipeline.file, line: 1, column: 1)
        let folders = [("the artifacts folder", project.absolute(pipeline.artifacts)),
                       ("the log folder", project.logFolder(artifacts: pipeline.artifacts)),
                       ("the state folder", project.stateFolder(artifacts: pipeline.artifacts)),
                       ("the state folder", project.stateFolder(artifacts: "artifacts"))]
        for (what, path) in folders {
            let real = resolve(path)
            if let problem = problem(with: real) {
                throw PipelineError(.invalidPath, at: location, "\(what) \(path) resolves to \(real), \(problem)",
                                    hint: "a symbolic link leads there; make the artifacts folder a plain folder inside the project")
            }
        }
    }

    mutating func checkOutputs() throws(PipelineError) {
        let sources = sourceInputs()
        for stage in pipeline.stages {
            for output in stage.outputs {
                let full = project.absolute(output.path)
                // Its folder resolved (where make puts it), and the output itself if it is a
                // link: replacing a link leaves its target alone, but a link from an output to
                // the project or its Pipelines/ says the pipeline means to write there.
                var real = resolve(folder(of: full)) + "/" + lastComponent(full)
                var problem = problem(with: real)
                if problem == nil, ProjectBoundary.isSymlink(full) {
                    let target = resolve(full)
                    if let linked = self.problem(with: target) { (real, problem) = (target, linked) }
                }
                if problem == nil, let input = sources.first(where: { $0.real == real || $0.real.hasPrefix(real + "/") }) {
                    problem = "which holds \(input.path), an input no stage writes (\(input.location))"
                }
                if let problem {
                    throw PipelineError(.invalidPath, at: output.location,
                                        "output '\(output.path)' of stage '\(stage.name)' resolves to \(real), \(problem)",
                                        hint: "outputs are files and folders Rederive may replace or remove: give it a path of its own under artifacts/ or Figures/")
                }
            }
        }
    }

    /// Why Rederive may not write at `real`, or nil: outside the project, the project itself,
    /// in or over `Pipelines/` or `.git/`, or over the pipeline file.
    private func problem(with real: String) -> String? {
        if real == root { return "the project folder itself" }
        if !isInside(real) { return "outside the project folder \(root)" }
        for protected in ProjectPaths.protectedFolders {
            let folder = root + "/" + protected
            if real == folder || real.hasPrefix(folder + "/") { return "inside \(protected)/, which Rederive never writes into" }
        }
        if pipelineFile == real || pipelineFile.hasPrefix(real + "/") { return "which holds the pipeline file" }
        return nil
    }

    private func isInside(_ real: String) -> Bool { real.hasPrefix(root + "/") }

    /// The inputs no stage produces, resolved, for "does this output hold a source?".
    private mutating func sourceInputs() -> [(path: String, real: String, location: SourceLocation)] {
        var seen = Set<String>()
        var sources = [(path: String, real: String, location: SourceLocation)]()
        for stage in pipeline.stages {
            for input in stage.inputs where input.producer == nil && seen.insert(input.path).inserted {
                sources.append((input.path, resolve(project.absolute(input.path)), input.location))
            }
        }
        return sources
    }

    // MARK: Resolving

    /// `path` with every symlink resolved: the deepest part that exists through `realpath`,
    /// the rest (which does not exist yet) appended, `..` in it applied. Memoised by folder.
    mutating func resolve(_ path: String) -> String {
        if let known = resolved[path] { return known }
        let result: String
        if let real = ProjectBoundary.realPath(path) {
            result = real
        } else {
            let parent = folder(of: path)
            let name = lastComponent(path)
            let base = parent == path ? path : resolve(parent)
            switch name {
            case "", ".": result = base
            case "..": result = folder(of: base)
            default: result = (base == "/" ? "" : base) + "/" + name
            }
        }
        resolved[path] = result
        return result
    }

    private func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// One `lstat`: only an output that is itself a link needs its target resolved.
    static func isSymlink(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
