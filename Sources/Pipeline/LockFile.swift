import JSONQuoting

/// `Pipelines/<name>.lock`: what each stage was last built from, committed with the outputs.
///
/// JSON, written deterministically: stages sorted by name, one key per line, params on one line
/// with sorted keys, paths sorted, durations rounded to milliseconds. So a rerun of one stage
/// changes only that stage's lines, and merges of different stages do not conflict.
public struct LockFile: Sendable, Equatable {
    /// 2: code versions built from source hashes, listed under `sources`.
    public static let formatVersion = 2

    public var pipeline: String
    public var stages: [String: LockEntry]
    /// Code version -> source file -> hash: the files each recorded code version was built from,
    /// so `status` can name the file that changed. Only versions some entry uses are written,
    /// one line each.
    public var sources: [String: [String: String]]

    public init(pipeline: String, stages: [String: LockEntry] = [:], sources: [String: [String: String]] = [:]) {
        self.pipeline = pipeline
        self.stages = stages
        self.sources = sources
    }

    /// Reads a lock file; a missing file is an empty lock (nothing built yet).
    public static func read(_ path: String, pipeline: String) throws(PipelineError) -> LockFile {
        guard let bytes = try AtomicFileIO.readIfExists(path) else { return LockFile(pipeline: pipeline) }
        return try decode(bytes, path: path, pipeline: pipeline)
    }

    public static func decode(_ bytes: [UInt8], path: String, pipeline: String) throws(PipelineError) -> LockFile {
        let corrupt = { (what: String, offset: Int?) -> PipelineError in
            var location: SourceLocation? = nil
            if let offset {
                let prefix = bytes[0..<min(offset, bytes.count)]
                let line = prefix.reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
                let column = offset - (prefix.lastIndex(of: 10).map { $0 + 1 } ?? 0) + 1
                location = SourceLocation(file: path, line: line, column: column)
            }
            return PipelineError(.corruptLock, at: location ?? SourceLocation(file: path, line: 0, column: 0),
                                 "the lock file is not valid: \(what)",
                                 hint: "resolve any merge conflict in it, or restore it with git; deleting it makes every stage rerun")
        }
        let root: ParamValue
        do { root = try JSONText.parse(bytes) } catch { throw corrupt(error.message, error.offset) }
        guard case .map(let top) = root, case .map(let stageMap)? = top["stages"] else { throw corrupt("no \"stages\" object", nil) }
        if case .int(let version)? = top["format"], version > formatVersion {
            throw corrupt("format \(version) is newer than this rederive understands (\(formatVersion))", nil)
        }
        var lock = LockFile(pipeline: pipeline)
        for case (let version, .map(let files)) in top["sources"]?.mapValue ?? [:] {
            var table = [String: String]()
            for case (let file, .string(let hash)) in files { table[file] = hash }
            lock.sources[version] = table
        }
        for (name, value) in stageMap {
            guard case .map(let fields) = value else { throw corrupt("stage \(name) is not an object", nil) }
            func strings(_ key: String) -> [String: String] {
                var out = [String: String]()
                for (k, v) in fields[key]?.mapValue ?? [:] { if case .string(let s) = v { out[k] = s } }
                return out
            }
            var duration = 0.0
            switch fields["duration_s"] { case .double(let d)?: duration = d; case .int(let i)?: duration = Double(i); default: break }
            lock.stages[name] = LockEntry(kind: fields["kind"]?.text ?? "", codeVersion: fields["code"]?.text ?? "",
                                          params: fields["params"]?.mapValue ?? [:], inputs: strings("inputs"),
                                          outputs: strings("outputs"), durationSeconds: duration)
        }
        return lock
    }

    public func encoded() -> String {
        var out = "{\n  \"format\": \(LockFile.formatVersion),\n  \"pipeline\": "
        appendJSONQuoted(pipeline, to: &out)
        out += ",\n  \"stages\": {"
        for (i, name) in stages.keys.sorted().enumerated() {
            let entry = stages[name]!
            out += i == 0 ? "\n    " : ",\n    "
            appendJSONQuoted(name, to: &out)
            out += ": {\n      \"kind\": "
            appendJSONQuoted(entry.kind, to: &out)
            out += ",\n      \"code\": "
            appendJSONQuoted(entry.codeVersion, to: &out)
            out += ",\n      \"params\": "
            JSONText.write(.map(entry.params), into: &out, indent: nil, level: 0)
            for (key, files) in [("inputs", entry.inputs), ("outputs", entry.outputs)] {
                out += ",\n      \"\(key)\": {"
                for (j, path) in files.keys.sorted().enumerated() {
                    out += j == 0 ? "\n        " : ",\n        "
                    appendJSONQuoted(path, to: &out)
                    out += ": "
                    appendJSONQuoted(files[path]!, to: &out)
                }
                out += files.isEmpty ? "}" : "\n      }"
            }
            let millis = (entry.durationSeconds * 1000).rounded()
            out += ",\n      \"duration_s\": \(ParamValue.format(millis / 1000))\n    }"
        }
        out += stages.isEmpty ? "}" : "\n  }"
        let used = Set(stages.values.map(\.codeVersion)).filter { !(sources[$0]?.isEmpty ?? true) }.sorted()
        if !used.isEmpty {
            out += ",\n  \"sources\": {"
            for (i, version) in used.enumerated() {
                out += i == 0 ? "\n    " : ",\n    "
                appendJSONQuoted(version, to: &out)
                // One line per version: a changed file changes the version itself, so its whole
                // table is replaced anyway.
                out += ": "
                JSONText.write(.map(sources[version]!.mapValues { .string($0) }), into: &out, indent: nil, level: 0)
            }
            out += "\n  }"
        }
        return out + "\n}\n"
    }

    /// Writes atomically (temporary file, fsync, rename): a crash leaves the old or the new lock.
    public func write(to path: String) throws(PipelineError) {
        try AtomicFileIO.write(Array(encoded().utf8), to: path)
    }
}

/// What one stage was built from and what it produced.
public struct LockEntry: Sendable, Equatable {
    public var kind: String
    /// The code version of the stage's runner (see `StageRunner.codeVersion`).
    public var codeVersion: String
    public var params: [String: ParamValue]
    /// Input path -> SHA-256 when the stage started.
    public var inputs: [String: String]
    /// Output path -> SHA-256 after it finished.
    public var outputs: [String: String]
    public var durationSeconds: Double

    public init(kind: String, codeVersion: String, params: [String: ParamValue], inputs: [String: String],
                outputs: [String: String], durationSeconds: Double) {
        self.kind = kind
        self.codeVersion = codeVersion
        self.params = params
        self.inputs = inputs
        self.outputs = outputs
        self.durationSeconds = durationSeconds
    }

    /// Everything but the duration agrees: the same code and params turned the same inputs
    /// into the same outputs.
    public func sameBuild(as other: LockEntry) -> Bool {
        kind == other.kind && codeVersion == other.codeVersion && params == other.params
            && inputs == other.inputs && outputs == other.outputs
    }
}
