#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtomicFiles
import Foundation
import Pipeline

/// Building a fuzz input's folder layout inside its sandbox, and what the `layout` target
/// counts as Rederive's own files.
enum FuzzLayout {
    /// One layout line. Every path, and every link's target, must stay inside `base` where the
    /// kernel will resolve it, so that a bug under test can only ever reach the sandbox.
    static func apply(_ line: String, base: String, root: String) {
        let fields = line.split(separator: " ", maxSplits: 2).map(String.init)
        guard fields.count >= 2, let path = inside(root + "/" + fields[1], base: base) else { return }
        try? AtomicFile.makeFolders(parentOf: path)
        switch fields[0] {
        case "d": try? AtomicFile.makeFolders(path)
        case "f": try? AtomicFile.write(Array("canary \(fields[1])\n".utf8), to: path, durable: false)
        case "p": mkfifo(path, 0o644)
        case "l" where fields.count == 3 && isSafeTarget(fields[2], of: path, base: base): symlink(fields[2], path)
        default: break
        }
    }

    /// `path` with `.` and `..` applied, if that stays inside `base` (and its folder really is
    /// there, links resolved); else nil.
    static func inside(_ path: String, base: String) -> String? {
        var parts = [Substring]()
        for part in path.split(separator: "/") where part != "." {
            if part == ".." { if parts.popLast() == nil { return nil } } else { parts.append(part) }
        }
        let normal = "/" + parts.joined(separator: "/")
        guard normal.hasPrefix(base + "/") else { return nil }
        let folder = (normal as NSString).deletingLastPathComponent
        if let real = realPath(folder), !(real == base || real.hasPrefix(base + "/")) { return nil }
        return normal
    }

    /// A relative target: leading `..`s, then names without `..`, landing inside `base` from
    /// the link's real folder. (A `..` after a name could climb out of a linked folder.)
    static func isSafeTarget(_ target: String, of link: String, base: String) -> Bool {
        guard !target.hasPrefix("/"), !target.isEmpty else { return false }
        let parts = target.split(separator: "/").filter { $0 != "." }
        let ups = parts.prefix { $0 == ".." }.count
        guard !parts.dropFirst(ups).contains("..") else { return false }
        guard var folder = realPath((link as NSString).deletingLastPathComponent) else { return false }
        for _ in 0..<ups { folder = (folder as NSString).deletingLastPathComponent }
        return folder == base || folder.hasPrefix(base + "/")
    }

    /// The pipeline, if its inputs stay inside the sandbox as written (an input `/` or
    /// `../../..` would hash the machine's disk: slow, and no question of safety).
    static func safePipeline(root: String, base: String) -> Pipeline? {
        guard let project = try? Project.locate(root + "/Pipelines/p.yaml", from: root),
              let pipeline = try? project.load(registry: ParseOnlyRunner.studyKinds) else { return nil }
        for stage in pipeline.stages {
            for input in stage.inputs where inside(project.absolute(input.path), base: base) == nil { return nil }
        }
        return pipeline
    }

    /// Writes a lock that records every output there is now (of every other stage when
    /// `everyOther`), as if a make had built it.
    static func recordOutputs(of pipeline: Pipeline, root: String, everyOther: Bool) {
        let hasher = FileHasher(root: root, cachePath: nil)
        var lock = LockFile(pipeline: "p")
        for (i, stage) in pipeline.stages.enumerated() where !everyOther || i % 2 == 0 {
            var outputs = [String: String]()
            for output in stage.outputs { if let sha = try? hasher.hash(output.path) { outputs[output.path] = sha } }
            if !outputs.isEmpty {
                lock.stages[stage.name] = LockEntry(kind: stage.kind.description, codeVersion: "fuzz", params: stage.params,
                                                    inputs: [:], outputs: outputs, durationSeconds: 0)
            }
        }
        try? lock.write(to: root + "/Pipelines/p.lock")
    }

    /// What make, status and clean may change: the state and log folders, temporaries (by
    /// name, anywhere), folder markers, and the outputs the lock records (where they really are).
    static func rederivesOwn(_ pipeline: Pipeline, root: String) -> [OwnPath] {
        let project = Project(root: root, pipelineFile: root + "/Pipelines/p.yaml")
        var own = [project.stateFolder(artifacts: "artifacts"), project.stateFolder(artifacts: pipeline.artifacts),
                   project.logFolder(artifacts: pipeline.artifacts)].map { OwnPath(path: real($0), subtree: true) }
        let lock = (try? LockFile.read(project.lockPath, pipeline: "p")) ?? LockFile(pipeline: "p")
        for stage in pipeline.stages {
            for output in stage.outputs where lock.stages[stage.name]?.outputs[output.path] != nil {
                own.append(OwnPath(path: real(project.absolute(output.path)), subtree: true))
            }
        }
        // Parent folders of what may go (clean's rmdir of an emptied log folder) and markers.
        own += own.map { OwnPath(path: ($0.path as NSString).deletingLastPathComponent, subtree: false) }
        return own
    }

    /// The folder resolved, the last name kept: where a write to `path` lands.
    static func real(_ path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return (realPath(folder) ?? folder) + "/" + (path as NSString).lastPathComponent
    }

    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
