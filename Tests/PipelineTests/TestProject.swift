import Foundation
import Pipeline
import XCTest

/// A throwaway project folder with `Pipelines/p.yaml`, for end-to-end tests of `make`.
final class TestProject {
    let root: String
    var registry = StageRegistry.standard

    /// `root`: where the project goes (default a fresh temporary folder); the data-safety tests
    /// put it inside a sandbox of their own, so that canaries can sit in its parent folder.
    init(_ yaml: String, files: [String: String] = [:], root: String? = nil) throws {
        self.root = root ?? FileManager.default.temporaryDirectory.appendingPathComponent("rederive-test-\(UUID().uuidString)").path
        try write("Pipelines/p.yaml", yaml)
        for (path, text) in files { try write(path, text) }
    }

    init(copying other: TestProject, only folders: [String]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("rederive-clone-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for folder in folders {
            // A plain copy: new inodes and new modification times, as after `git clone`.
            try FileManager.default.copyItem(atPath: other.root + "/" + folder, toPath: root + "/" + folder)
        }
        registry = other.registry
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var pipelinePath: String { root + "/Pipelines/p.yaml" }
    var lockPath: String { root + "/Pipelines/p.lock" }

    func write(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: root + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    func read(_ path: String) -> String? {
        try? String(contentsOfFile: root + "/" + path, encoding: .utf8)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: root + "/" + path) }

    func files(under path: String) -> [String] {
        (FileManager.default.enumerator(atPath: root + "/" + path)?.allObjects as? [String] ?? []).sorted()
    }

    @discardableResult
    func make(_ targets: [String] = [], set overrides: [String] = [], force: Bool = false, forceUpstream: Bool = false,
              dryRun: Bool = false, jobs: Int = 1) throws -> MakeResult {
        var options = MakeOptions()
        options.forceUpstream = forceUpstream
        options.jobs = jobs
        options.force = force
        options.dryRun = dryRun
        options.overrides = try overrides.map { try ParamOverride.parse($0) }
        return try PipelineCommands.make([pipelinePath] + targets, options: options, registry: registry,
                                         console: Console(interactive: false, quiet: true), directory: root)
    }

    /// Makes every file in the project look older than the hash cache's racy window.
    func age() throws {
        let old = Date(timeIntervalSinceNow: -60)
        for file in FileManager.default.subpaths(atPath: root) ?? [] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: root + "/" + file)
        }
    }
}

/// Counts runs per stage, shared with in-process test runners.
final class RunLog: @unchecked Sendable {
    private let lock = NSLock()
    private var names = [String]()

    func record(_ name: String) { lock.lock(); names.append(name); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return names }
}

/// An in-process runner standing in for `train`/`figure`: writes its params to each output.
/// With `sources`, its code version is built from them as the study's kinds' are.
struct FakeRunner: StageRunner {
    var kind: String
    var version: String
    var log: RunLog
    var sources: [String: [String: String]] = [:]
    var params: [ParamSpec]? = nil
    /// `figure` takes a recipe, as the study's does.
    var argument: String? { kind == "figure" ? "recipe" : nil }

    func codeVersion(for stage: Stage) -> String {
        if !sources.isEmpty { return CodeSources.version(key: kind, sources: codeSources(for: stage)) }
        return stage.kind.argument.map { "\(kind) \($0)/\(version)" } ?? "\(kind)/\(version)"
    }

    func codeSources(for stage: Stage) -> [String: String] { sources[stage.kind.argument ?? kind] ?? [:] }

    func run(_ context: StageContext) throws {
        log.record(context.stage.name)
        context.progress(0.5, "halfway")
        let text = context.params.keys.sorted().map { "\($0)=\(context.params[$0]!)" }.joined(separator: "\n") + "\n"
        for output in context.outputs {
            if output.isDirectory {
                try text.write(toFile: output.temporaryPath + "/params.txt", atomically: false, encoding: .utf8)
            } else {
                try text.write(toFile: output.temporaryPath, atomically: false, encoding: .utf8)
            }
        }
    }
}

extension StageRegistry {
    /// `cmd` and stand-ins for the study's kinds (`train`, `analyze`, `figure <recipe>`,
    /// `slides`), for tests that parse pipeline files without running them.
    static var testKinds: StageRegistry {
        var registry = StageRegistry.standard
        for kind in ["train", "analyze", "figure", "slides"] { registry.register(FakeRunner(kind: kind, version: "1", log: RunLog())) }
        return registry
    }
}

/// An executable this package builds (the newest of the debug and release builds), for tests
/// that need a separate process: the `rederive` CLI, the code fingerprint tool.
func builtExecutable(_ names: String...) throws -> String {
    let build = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/.build"
    let candidates = ["debug", "release"].flatMap { config in names.map { "\(build)/\(config)/\($0)" } }
    func modified(_ path: String) -> Date {
        (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
    }
    let newest = candidates.filter { FileManager.default.isExecutableFile(atPath: $0) }.max { modified($0) < modified($1) }
    return try XCTUnwrap(newest, "\(names[0]) was not built (looked in \(build))")
}
