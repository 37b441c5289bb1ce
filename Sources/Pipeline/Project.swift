#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a pipeline lives and where its lock, logs and caches go.
///
/// The project root is the folder holding `Pipelines/`. Paths in a pipeline are relative to it.
public struct Project: Sendable {
    public var root: String
    /// Absolute path of the pipeline file.
    public var pipelineFile: String
    public var name: String
    /// Inputs read from somewhere else than their path says, by path as written: `check`
    /// regenerates in a scratch folder from copies of the inputs that lie outside the project.
    public var inputRedirects: [String: String] = [:]

    /// `Pipelines/<name>.lock`, next to the pipeline file.
    public var lockPath: String { folder(of: pipelineFile) + "/" + name + ".lock" }

    public init(root: String, pipelineFile: String) {
        self.root = root
        self.pipelineFile = pipelineFile
        self.name = PipelineFile.name(ofPath: pipelineFile)
    }

    /// Engine state (hash cache, flock) under the artifacts folder, git-ignored.
    public func stateFolder(artifacts: String) -> String { absolute(artifacts) + "/.rederive" }
    /// The hash cache (`FileHasher`) of this pipeline's files.
    public func hashCachePath(artifacts: String) -> String { stateFolder(artifacts: artifacts) + "/" + name + ".hashes" }
    public func logFolder(artifacts: String) -> String { absolute(artifacts) + "/logs/" + name }
    /// A stage's log file: its name made safe as a file name (`StageName.logFileName`).
    public func logPath(ofStage stage: String, artifacts: String) -> String {
        logFolder(artifacts: artifacts) + "/" + StageName.logFileName(stage) + ".log"
    }
    public func absolute(_ path: String) -> String { inputRedirects[path] ?? (path.hasPrefix("/") ? path : root + "/" + path) }

    /// Finds the pipeline: `argument` may be a path to a YAML file or a name in `Pipelines/`.
    /// Returns nil when `argument` is neither (the caller then treats it as a target). Without
    /// an argument, the only pipeline in `Pipelines/`, else `preferred` if it is there.
    public static func locate(_ argument: String?, from directory: String, preferred: String? = nil) throws(PipelineError) -> Project? {
        if let argument, argument.hasSuffix(".yaml") || argument.hasSuffix(".yml") || argument.contains("/") {
            let path = argument.hasPrefix("/") ? argument : directory + "/" + argument
            if AtomicFileIO.exists(path) && !AtomicFileIO.isDirectory(path) {
                let parent = folder(of: path)
                let root = parent.hasSuffix("/Pipelines") || parent == "Pipelines" ? folder(of: parent) : parent
                return Project(root: root, pipelineFile: path)
            }
            if argument.hasSuffix(".yaml") || argument.hasSuffix(".yml") {
                throw PipelineError(.noPipeline, at: nil, "no pipeline file at \(path)")
            }
        }
        guard let root = findRoot(from: directory) else {
            throw PipelineError(.noPipeline, at: nil, "no Pipelines/ folder in \(directory) or above",
                                hint: "run rederive from the project folder, or give a path to a pipeline file")
        }
        if let argument {
            let path = root + "/Pipelines/" + argument + ".yaml"
            if AtomicFileIO.exists(path) { return Project(root: root, pipelineFile: path) }
            return nil
        }
        return try defaultPipeline(root: root, preferred: preferred)
    }

    static func defaultPipeline(root: String, preferred: String?) throws(PipelineError) -> Project {
        let names = listPipelines(root: root)
        if names.count == 1 { return Project(root: root, pipelineFile: root + "/Pipelines/" + names[0] + ".yaml") }
        if let preferred, names.contains(preferred) { return Project(root: root, pipelineFile: root + "/Pipelines/" + preferred + ".yaml") }
        throw PipelineError(.noPipeline, at: nil, names.isEmpty ? "no pipeline files in \(root)/Pipelines" : "several pipelines; say which",
                            hint: names.isEmpty ? "add Pipelines/<name>.yaml" : "one of: \(names.joined(separator: ", "))")
    }

    static func listPipelines(root: String) -> [String] {
        guard let dir = opendir(root + "/Pipelines") else { return [] }
        defer { closedir(dir) }
        var names = [String]()
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name.hasSuffix(".yaml") && !name.hasPrefix(".") { names.append(String(name.dropLast(5))) }
        }
        return names.sorted()
    }

    static func findRoot(from directory: String) -> String? {
        var current = directory
        while true {
            if AtomicFileIO.isDirectory(current + "/Pipelines") { return current }
            guard let slash = current.lastIndex(of: "/"), !current.isEmpty, current != "/" else { return nil }
            current = slash == current.startIndex ? "/" : String(current[..<slash])
            if current == "/" { return AtomicFileIO.isDirectory("/Pipelines") ? "/" : nil }
        }
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(nulTerminated: buffer)
    }

    /// Reads, parses and expands the pipeline; `kind:` must name a kind of `registry`.
    public func load(overrides: [ParamOverride] = [], registry: StageRegistry) throws(PipelineError) -> Pipeline {
        try load(bytes: try readPipelineBytes(), overrides: overrides, registry: registry)
    }

    func readPipelineBytes() throws(PipelineError) -> [UInt8] {
        guard let bytes = try AtomicFileIO.readIfExists(pipelineFile) else {
            throw PipelineError(.noPipeline, at: nil, "no pipeline file at \(pipelineFile)")
        }
        return bytes
    }

    func load(bytes: [UInt8], overrides: [ParamOverride], registry: StageRegistry) throws(PipelineError) -> Pipeline {
        let display = relativeDisplay(pipelineFile)
        let cacheKey = PipelineCache.key(bytes: bytes, overrides: overrides, display: display, root: root, kinds: registry.signature)
        if let cached = PipelineCache.load(PipelineCache.path(self), key: cacheKey) {
            PhaseTimer.shared.mark("pipeline from cache")
            // Symlinks may have changed since it was cached: the boundary is checked every time.
            try ProjectBoundary.check(cached, project: self)
            PhaseTimer.shared.mark("project boundary")
            return cached
        }
        PhaseTimer.shared.mark("start, read YAML")
        let file = try PipelineFile.parse(yaml: String(decoding: bytes, as: UTF8.self), path: display, registry: registry)
        PhaseTimer.shared.mark("parse YAML")
        let pipeline = try PipelineExpander.expand(file, root: root, overrides: overrides, registry: registry)
        PhaseTimer.shared.mark("expand")
        try ProjectBoundary.check(pipeline, project: self)
        PhaseTimer.shared.mark("project boundary")
        if pipeline.artifacts == "artifacts" {
            PipelineCache.store(pipeline, key: cacheKey, to: PipelineCache.path(self))
            PhaseTimer.shared.mark("store pipeline cache")
        }
        return pipeline
    }

    /// A path relative to the current folder when it is inside it, for short messages.
    func relativeDisplay(_ path: String) -> String {
        let cwd = Project.currentDirectory()
        if path.hasPrefix(cwd + "/") { return String(path.dropFirst(cwd.count + 1)) }
        return path
    }
}

func folder(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
