import Foundation
import Pipeline
import XCTest

/// A private temporary folder holding a `TestProject` at `project/`, with canaries: files that
/// Rederive did not make, placed in and around the project (in output folders, beside them, in
/// `Pipelines/`, in a fake `.git/`, in the parent folder). `assertCanariesIntact` checks that
/// each is still there, byte for byte, and that nothing new appeared outside the project.
final class Sandbox {
    let base: String
    let project: TestProject
    private var canaries: [String: Data] = [:]
    private var outsideListing: [String] = []

    /// The canaries every data-safety test starts with, by path relative to the project root
    /// (`../` is the sandbox, outside the project). Each names where it sits.
    static let standardCanaries = [
        ".git/HEAD", ".git/objects/ab/cdef0123",
        "Pipelines/README.md", "Pipelines/.backup.previous-99997", "Pipelines/.p.yaml.tmp-99998",
        "notes/thesis.tex", "notes/.notes.tmp-99998",
        "../outside/keep.txt", "../userdata/logs/p/keep.txt", "../shared/data.csv",
    ]

    init(_ yaml: String, files: [String: String] = [:], canaries extra: [String] = []) throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("rederive-safety-\(UUID().uuidString)").path
        project = try TestProject(yaml, files: files, root: base + "/project")
        for path in Sandbox.standardCanaries + extra { try plant(path) }
        outsideListing = listing(of: base).filter { !$0.hasPrefix("project/") && $0 != "project" }
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    var root: String { project.root }

    /// Writes a canary file with content of its own (its path and some bytes).
    func plant(_ path: String) throws {
        let data = Data(("canary \(path)\n" + String(repeating: "x", count: path.count * 7)).utf8)
        try project.write(path, String(decoding: data, as: UTF8.self))
        canaries[path] = data
    }

    func symlink(_ path: String, to target: String) throws {
        let full = root + "/" + path
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
    }

    /// `allowing`: paths outside the project (relative to the sandbox) a test expects to appear,
    /// such as a `check --scratch` folder.
    func assertCanariesIntact(allowing: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        for (path, data) in canaries.sorted(by: { $0.key < $1.key }) {
            let now = FileManager.default.contents(atPath: root + "/" + path)
            XCTAssertEqual(now, data, "canary \(path) changed or disappeared", file: file, line: line)
        }
        let outside = listing(of: base).filter { path in
            !(["project"] + allowing).contains { path == $0 || path.hasPrefix($0 + "/") }
        }
        XCTAssertEqual(outside, outsideListing, "something appeared or vanished outside the project", file: file, line: line)
    }

    private func listing(of folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).sorted()
    }

    /// The error `body` throws, as a `PipelineError`; fails the test when it throws none.
    func pipelineError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> PipelineError? {
        do {
            try body()
            XCTFail("expected an error", file: file, line: line)
        } catch let error as PipelineError {
            return error
        } catch {
            XCTFail("expected a PipelineError, got \(error)", file: file, line: line)
        }
        return nil
    }

    func status() throws -> Int {
        try PipelineCommands.status([project.pipelinePath], showAll: true, registry: project.registry,
                                    console: Console(interactive: false, quiet: true), directory: root).outOfDate
    }

    @discardableResult
    func clean(committed: Bool = false) throws -> [String] {
        try PipelineCommands.clean([project.pipelinePath], includeCommitted: committed, dryRun: false, registry: project.registry,
                                   console: Console(interactive: false, quiet: true), directory: root).removed
    }
}

/// Runs `body` on another thread and waits at most `seconds` for it: a case that used to hang
/// fails instead of stopping the suite (its thread is left behind, blocked or spinning).
/// Returns the error `body` threw, described; fails the test when it threw none.
func errorWithin(_ seconds: Double, file: StaticString = #filePath, line: UInt = #line,
                 _ body: @escaping () throws -> Void) -> String? {
    let done = DispatchSemaphore(value: 0)
    let outcome = Outcome(body)
    Thread.detachNewThread {
        outcome.run()
        done.signal()
    }
    guard done.wait(timeout: .now() + seconds) == .success else {
        XCTFail("did not finish within \(seconds) s (a hang)", file: file, line: line)
        return nil
    }
    if outcome.error == nil { XCTFail("expected an error", file: file, line: line) }
    return outcome.error
}

/// What a body run on another thread threw; written by that thread before it signals.
private final class Outcome: @unchecked Sendable {
    let body: () throws -> Void
    var error: String?
    init(_ body: @escaping () throws -> Void) { self.body = body }
    func run() {
        do { try body() } catch { self.error = "\(error)" }
    }
}

/// A process id that is certainly not running: a child that has exited and been reaped.
func deadProcessID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
