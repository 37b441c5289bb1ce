import AtomicFiles
import Foundation
import Pipeline
import Plot

/// `rederive diff`: what changed in the committed figures between two git revisions (or a
/// revision and the work tree), read from their data files (`NAME.data.json`). Nothing is
/// regenerated, so it answers "what changed since the submitted version?" in a moment.
public struct FigureDiff {
    /// A revision, or the files on disk.
    public enum Side: Equatable, Sendable {
        case workTree
        case revision(String)

        var name: String { if case .revision(let rev) = self { rev } else { "the work tree" } }
    }

    public struct Result: Sendable {
        /// Failures (changed, added, removed) first.
        public var comparisons: [ReproductionCheck.Comparison]
        public var fileSet: String
        /// Both versions of each changed figure's data, by path, for the page's overlays.
        var changed: [String: (old: FigureData, new: FigureData)] = [:]
        public var passed: Bool { comparisons.allSatisfy(\.passed) }
    }

    /// The repository's top folder.
    public let root: String
    public var diff = FigureDataDiff()

    public init(root: String) { self.root = root }

    /// The repository holding `directory`, or an error saying that diff needs one.
    public static func locate(from directory: String) throws(PipelineError) -> FigureDiff {
        let (status, output) = Git.run(["rev-parse", "--show-toplevel"], in: directory)
        guard status == 0, let top = String(bytes: output, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !top.isEmpty else {
            throw PipelineError(.invalidPath, at: nil, "\(directory) is not inside a git repository",
                                hint: "rederive diff compares the committed figures of git revisions; run it inside the project's repository")
        }
        return FigureDiff(root: top)
    }

    public func run(from old: Side, to new: Side) throws(PipelineError) -> Result {
        let (a, b) = (try files(old), try files(new))
        var comparisons: [ReproductionCheck.Comparison] = []
        var changed: [String: (old: FigureData, new: FigureData)] = [:]
        for path in Set(a.keys).union(b.keys).sorted() {
            let state = DataComparison.compare(baseline: (try load(a[path]), path), new: (try load(b[path]), path), diff: diff)
            var c = ReproductionCheck.Comparison(path: path, verdict: .match)
            switch state {
            case .agree(let identical): c.verdict = identical ? .match : .withinTolerance
            case let .changed(changes, before, after):
                c.verdict = DataComparison.differs(changes)
                c.changes = changes
                changed[path] = (before, after)
            case .unreadable(let why): c.verdict = .unreadable(why)
            case .noBaseline: c.verdict = .differs("a figure \(new.name) adds")
            case .noNew: c.verdict = .differs("a figure \(new.name) removes")
            }
            comparisons.append(c)
        }
        let set = "\(comparisons.count) figure data files (every NAME.data.json) of \(old.name) and \(new.name)"
        return Result(comparisons: ReproductionCheck.failuresFirst(comparisons), fileSet: set, changed: changed)
    }

    /// Where one side keeps a data file: on disk, or read from a commit.
    enum Source {
        case file(String)
        case blob([UInt8])
    }

    func load(_ source: Source?) throws(PipelineError) -> [UInt8]? {
        switch source {
        case nil: return nil
        case .blob(let bytes)?: return bytes
        case .file(let full)?:
            guard let bytes = DataComparison.read(full) else { throw PipelineError(.io, at: nil, "cannot read \(full)") }
            return bytes
        }
    }

    /// The data files of one side, by repository path.
    func files(_ side: Side) throws(PipelineError) -> [String: Source] {
        var found: [String: Source] = [:]
        switch side {
        case .workTree:
            let (_, listing) = Git.run(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], in: root)
            for path in Git.paths(listing) where path.hasSuffix(FigureData.suffix) {
                // A file deleted but not yet committed is not on this side.
                if FileManager.default.fileExists(atPath: root + "/" + path) { found[path] = .file(root + "/" + path) }
            }
        case .revision(let rev):
            let (status, commit) = Git.run(["rev-parse", "--verify", "--quiet", rev + "^{commit}"], in: root)
            guard status == 0, let id = String(bytes: commit, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw PipelineError(.invalidPath, at: nil, "no revision '\(rev)' in \(root)",
                                    hint: "name a commit, branch or tag that `git log` shows, e.g. HEAD~1 or v1.0")
            }
            let (_, listing) = Git.run(["ls-tree", "-r", "-z", "--name-only", id], in: root)
            let paths = Git.paths(listing).filter { $0.hasSuffix(FigureData.suffix) }
            // One `git cat-file --batch` for all of them: a process per file costs more than the reading.
            let (batchStatus, output) = Git.run(["cat-file", "--batch"], in: root, input: paths.map { "\(id):\($0)\n" }.joined())
            guard batchStatus == 0, let blobs = Git.batch(output), blobs.count == paths.count else {
                throw PipelineError(.io, at: nil, "git cannot read the data files of \(rev)", hint: "check that `git cat-file --batch` works in \(root)")
            }
            for (path, bytes) in zip(paths, blobs) { found[path] = .blob(bytes) }
        }
        return found
    }
}

/// `git` run as a child process, for `diff`.
enum Git {
    /// The exit status and standard output of `git ARGUMENTS` in `directory` (127: no git).
    static func run(_ arguments: [String], in directory: String, input: String? = nil) -> (Int32, [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let pipe = Pipe(), feed = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = input == nil ? FileHandle.nullDevice : feed
        do { try process.run() } catch { return (127, []) }
        if let input {
            // Written from another thread: git answers while it reads, and a full pipe would stall both.
            let writer = feed.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(Data(input.utf8))
                try? writer.close()
            }
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, [UInt8](data))
    }

    /// The objects of `cat-file --batch` output ("SHA blob SIZE\n" + bytes + "\n" each), or nil
    /// if one is missing or the output is cut short.
    static func batch(_ output: [UInt8]) -> [[UInt8]]? {
        var objects: [[UInt8]] = [], i = 0
        while i < output.count {
            guard let end = output[i...].firstIndex(of: 10) else { return nil }
            let header = String(decoding: output[i..<end], as: UTF8.self).split(separator: " ")
            guard header.count == 3, header[1] == "blob", let size = Int(header[2]), end + 1 + size <= output.count else { return nil }
            objects.append(Array(output[(end + 1)..<(end + 1 + size)]))
            i = end + 1 + size + 1
        }
        return objects
    }

    /// NUL-separated paths (`-z` output).
    static func paths(_ output: [UInt8]) -> [String] {
        output.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension FigureDiff {
    /// Writes the page of `result` to `folder/index.html`: a new or empty folder, or one that
    /// check or diff wrote (it is replaced whole).
    public func writeHTML(_ result: Result, to folder: String, title: String) throws(PipelineError) {
        let path = CheckScratch.absolute(folder)
        try CheckReportFolder.requireReplaceable(path)
        var comparisons = result.comparisons
        var images: [(name: String, bytes: [UInt8])] = []
        for i in comparisons.indices {
            guard let pair = result.changed[comparisons[i].path], let figure = DataOverlay.figure(old: pair.old, new: pair.new),
                  let bytes = try? Renderer.png(figure, source: "rederive diff") else { continue }
            let name = comparisons[i].path.replacingOccurrences(of: "/", with: "_") + ".overlay.png"
            images.append((name, bytes))
            comparisons[i].images = [name]
        }
        let html = ReproductionReport.page(title: title, mode: diff.relativeTolerance == 0 && diff.absoluteTolerance == 0 ? "exact"
                                           : "rtol \(diff.relativeTolerance), atol \(diff.absoluteTolerance)",
                                           fileSet: result.fileSet, notes: [], comparisons: comparisons,
                                           legend: "Each change names the panel, the series and the point that moved most; each changed panel is drawn with the old data in grey under the new.",
                                           failure: "changed")
        do throws(AtomicFileError) {
            let building = try AtomicFile.beginFolder(path)
            do throws(AtomicFileError) {
                for image in images { try AtomicFile.write(image.bytes, to: building + "/" + image.name) }
                try AtomicFile.write(Array(html.utf8), to: building + "/index.html")
                try AtomicFile.commitFolder(building, to: path, as: .checkReport)
            } catch {
                AtomicFile.remove(building)
                throw error
            }
        } catch {
            throw PipelineError(.io, at: nil, error.summary, hint: error.advice)
        }
    }
}

/// `rederive bench diff`: a scratch repository with two revisions of a folder's data files,
/// the second with every file's bytes changed (a trailing newline), so that `diff` reads,
/// parses and compares every one of them, as between two real versions of a paper.
public struct DiffBenchmark {
    public let root: String
    public let files: Int
    public let bytes: Int

    /// Copies every `NAME.data.json` under `folder` into a new scratch repository.
    public init(copying folder: String) throws(PipelineError) {
        root = NSTemporaryDirectory() + "rederive-bench-diff-\(getpid())"
        AtomicFile.remove(root)
        let found = (FileManager.default.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(FigureData.suffix) }.sorted()
        guard !found.isEmpty else { throw PipelineError(.invalidPath, at: nil, "no figure data files (NAME.data.json) under \(folder)") }
        var total = 0
        do {
            for path in found {
                let target = root + "/" + path
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + path))
                total += data.count
                try data.write(to: URL(fileURLWithPath: target))
            }
        } catch {
            throw PipelineError(.io, at: nil, "cannot copy the data files to \(root): \(error.localizedDescription)")
        }
        (files, bytes) = (found.count, total)
        let identity = ["-c", "user.name=rederive bench", "-c", "user.email=bench@localhost"]
        var ok = Git.run(["init", "-q"], in: root).0 == 0 && Git.run(["add", "."], in: root).0 == 0
            && Git.run(identity + ["commit", "-q", "-m", "a"], in: root).0 == 0
        for path in found {
            guard let handle = FileHandle(forWritingAtPath: root + "/" + path) else { ok = false; break }
            handle.seekToEndOfFile()
            handle.write(Data("\n".utf8))
            handle.closeFile()
        }
        ok = ok && Git.run(identity + ["commit", "-q", "-a", "-m", "b"], in: root).0 == 0
        guard ok else { throw PipelineError(.io, at: nil, "git could not build the scratch repository \(root)") }
    }

    /// One diff of the two revisions; the number of files it compared.
    public func diffOnce() throws(PipelineError) -> Int {
        try FigureDiff(root: root).run(from: .revision("HEAD~1"), to: .revision("HEAD")).comparisons.count
    }

    public func remove() { AtomicFile.remove(root) }
}
