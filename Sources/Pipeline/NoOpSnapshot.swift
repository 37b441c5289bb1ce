#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fast path of a no-op `make`, in the spirit of ninja's log: a record, written after a
/// `make` found every stage up to date, of exactly what that conclusion rested on.
///
/// It holds the SHA-256 of the pipeline file's bytes, the `-S` overrides, the identity (size,
/// mtime, ctime, inode) of the lock file and of the rederive binary (so new code versions are
/// seen), and the identity of every input and output file it stat-ed, with each folder's file
/// count. The next `make` reads it, re-stats those files and, if nothing differs, is done without
/// parsing YAML, expanding or reading the lock. Any difference falls back to the full check,
/// which is always correct on its own; the snapshot is only written when no file involved was
/// modified within the hash cache's racy window, and is deleted before anything runs.
/// Set `REDERIVE_NO_FASTPATH=1` to always take the full check, `REDERIVE_NO_CACHE=1` to also
/// parse the pipeline file again.
struct NoOpSnapshot {
    static let header = "rederive-noop 1"

    var pipelineSHA: String
    var overridesKey: String
    var executable: FileIdentity?
    var lockFile: FileIdentity?
    var stageCount: Int
    var files: [String: FileIdentity]
    var folders: [String: Int]
    /// Every name a target may use (expanded names, base names, output paths): a target not in
    /// here takes the full path, which reports it.
    var targets: Set<String>

    static func path(_ project: Project) -> String { project.stateFolder(artifacts: "artifacts") + "/\(project.name).noop" }

    static func overridesKey(_ overrides: [ParamOverride]) -> String {
        SHA256.hex(overrides.map(\.text).joined(separator: "\u{1}"))
    }

    /// `REDERIVE_NO_FASTPATH=1` skips the snapshot; `REDERIVE_NO_CACHE=1` also the pipeline cache.
    static var isDisabled: Bool { getenv("REDERIVE_NO_FASTPATH") != nil || getenv("REDERIVE_NO_CACHE") != nil }

    static func executableIdentity() -> FileIdentity? { FileIdentity.of("/proc/self/exe") }

    /// True when the snapshot at `path` still describes the project exactly. Returns the number of
    /// stages it covered.
    static func validate(path: String, pipelineBytes: [UInt8], lockPath: String, overrides: [ParamOverride], targets: [String]) -> Int? {
        // Without the binary's identity (no /proc) new code versions could go unseen: no fast path.
        guard !isDisabled, executableIdentity() != nil, let bytes = try? AtomicFileIO.readIfExists(path),
              let snapshot = NoOpSnapshot.decode(bytes) else { return nil }
        guard targets.allSatisfy(snapshot.targets.contains), snapshot.overridesKey == overridesKey(overrides),
              snapshot.lockFile == FileIdentity.of(lockPath),
              snapshot.executable == executableIdentity() else { return nil }
        for (file, identity) in snapshot.files where FileIdentity.of(file) != identity { return nil }
        for (folder, count) in snapshot.folders {
            var found = 0
            guard countFiles(folder, matching: snapshot.files, count: &found), found == count else { return nil }
        }
        guard SHA256.hex(pipelineBytes) == snapshot.pipelineSHA else { return nil }
        return snapshot.stageCount
    }

    /// Counts files under `folder`; false if one is not in `files` (a new file).
    private static func countFiles(_ folder: String, matching files: [String: FileIdentity], count: inout Int) -> Bool {
        guard let dir = opendir(folder) else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            let full = folder + "/" + name
            if AtomicFileIO.isDirectory(full) {
                if !countFiles(full, matching: files, count: &count) { return false }
            } else {
                guard files[full] != nil else { return false }
                count += 1
            }
        }
        return true
    }

    func encoded() -> String {
        var out = NoOpSnapshot.header + "\n"
        out += "pipeline \(pipelineSHA)\noverrides \(overridesKey)\nstages \(stageCount)\n"
        out += "exe \(executable?.text ?? "none")\nlock \(lockFile?.text ?? "none")\n"
        for (path, identity) in files { out += "f \(identity.text) \(path)\n" }
        for (path, count) in folders { out += "d \(count) \(path)\n" }
        for target in targets.sorted() { out += "t \(target)\n" }
        return out
    }

    static func decode(_ bytes: [UInt8]) -> NoOpSnapshot? {
        var snapshot = NoOpSnapshot(pipelineSHA: "", overridesKey: "", executable: nil, lockFile: nil, stageCount: 0, files: [:], folders: [:], targets: [])
        var lines = bytes.split(separator: 10)[...]
        guard let first = lines.popFirst(), String(decoding: first, as: UTF8.self) == header else { return nil }
        snapshot.files.reserveCapacity(lines.count)
        for line in lines {
            guard line.count > 2 else { return nil }
            let space = line.firstIndex(of: 32)!
            let tag = String(decoding: line[line.startIndex..<space], as: UTF8.self)
            let rest = line[(space + 1)...]
            switch tag {
            case "f":
                let fields = rest.split(separator: 32, maxSplits: 4, omittingEmptySubsequences: false)
                guard fields.count == 5, let identity = FileIdentity(fields[0..<4]) else { return nil }
                snapshot.files[String(decoding: fields[4], as: UTF8.self)] = identity
            case "d":
                let fields = rest.split(separator: 32, maxSplits: 1, omittingEmptySubsequences: false)
                guard fields.count == 2, let count = Int(String(decoding: fields[0], as: UTF8.self)) else { return nil }
                snapshot.folders[String(decoding: fields[1], as: UTF8.self)] = count
            case "t": snapshot.targets.insert(String(decoding: rest, as: UTF8.self))
            case "pipeline": snapshot.pipelineSHA = String(decoding: rest, as: UTF8.self)
            case "overrides": snapshot.overridesKey = String(decoding: rest, as: UTF8.self)
            case "stages": snapshot.stageCount = Int(String(decoding: rest, as: UTF8.self)) ?? 0
            case "exe", "lock":
                let fields = rest.split(separator: 32)
                let identity = fields.count == 4 ? FileIdentity(fields[0..<4]) : nil
                if tag == "exe" { snapshot.executable = identity } else { snapshot.lockFile = identity }
            default: return nil
            }
        }
        return snapshot
    }
}

/// What `stat` says about a file, minus what reading it would not change.
struct FileIdentity: Equatable {
    var size: Int64
    var mtime: Int64
    var ctime: Int64
    var inode: UInt64

    static func of(_ path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(info)
    }

    init(_ info: stat) {
        size = Int64(info.st_size)
        mtime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        ctime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        inode = UInt64(info.st_ino)
    }

    init?<Fields: Collection>(_ fields: Fields) where Fields.Element == ArraySlice<UInt8> {
        let values = fields.map { String(decoding: $0, as: UTF8.self) }
        guard values.count == 4, let size = Int64(values[0]), let mtime = Int64(values[1]), let ctime = Int64(values[2]),
              let inode = UInt64(values[3]) else { return nil }
        self.size = size
        self.mtime = mtime
        self.ctime = ctime
        self.inode = inode
    }

    var text: String { "\(size) \(mtime) \(ctime) \(inode)" }
}
