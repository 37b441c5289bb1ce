import AtomicFiles
import Foundation
import XCTest

/// The one atomic writer: errors in words, temporary files of killed processes, whole folders.
final class AtomicFileTests: XCTestCase {
    private var scratch: String!

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "rederive-atomic-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: scratch) }

    /// The id of a process that has ended.
    private func deadProcess() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testErrorsAreSentencesNamingTheFileAndWhatToDo() throws {
        try AtomicFile.write([1], to: scratch + "/file")
        XCTAssertThrowsError(try AtomicFile.write([1], to: scratch + "/file/inside")) { error in
            XCTAssertEqual("\(error)", scratch + "/file/inside: cannot write (not a directory); a part of the path is a file, not a folder.")
        }
        XCTAssertThrowsError(try AtomicFile.read(scratch + "/absent")) { error in
            XCTAssertEqual("\(error)", scratch + "/absent: cannot read (no such file or directory); check the path, or produce the file first.")
        }
        XCTAssertThrowsError(try AtomicFile.read(scratch)) { error in
            XCTAssertEqual("\(error)", scratch + ": cannot read (is a directory); give a file, not a folder.")
        }
    }

    /// A process that has exited but is not reaped yet (what a killed stage becomes where PID 1
    /// reaps no orphans) is not running: its temporaries are stale.
    func testAZombiesTemporariesAreStale() throws {
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { for p in argv { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/true", nil, nil, argv, environ), 0)
        defer { var status: Int32 = 0; waitpid(pid, &status, 0) }
        // Not reaped: once it has exited, /proc shows it as a zombie.
        var zombie = false
        for _ in 0..<200 where !zombie {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            zombie = stat.contains(") Z ")
            if !zombie { usleep(10_000) }
        }
        try XCTSkipUnless(zombie, "no /proc zombie state to test on this system")
        XCTAssertEqual(kill(pid, 0), 0, "a zombie still answers kill(pid, 0)")
        XCTAssertFalse(AtomicFile.isRunning(pid))
        try AtomicFile.write([1], to: scratch + "/kept")
        FileManager.default.createFile(atPath: scratch + "/.out.npy.rederive-tmp-\(pid)", contents: Data([1]))
        XCTAssertEqual(AtomicFile.removeStaleTemporaries(in: scratch), [".out.npy.rederive-tmp-\(pid)"])
        XCTAssertTrue(AtomicFile.isRunning(getpid()))
    }

    func testStaleTemporariesOfEndedProcessesAreRemovedOthersKept() throws {
        let dead = try deadProcess()
        let names = [".a.png.rederive-tmp-\(dead)", ".b.npy.rederive-tmp-\(getpid())", "c.tmp-\(dead)", ".d.tmp-x", "plain.txt",
                     ".notes.tmp-\(dead)", ".backup.previous-\(dead)"]  // a user's own names are kept
        for name in names { try AtomicFile.write([1], to: scratch + "/" + name) }
        try AtomicFile.makeFolders(scratch + "/.analysis.rederive-tmp-\(dead)/inner")
        XCTAssertEqual(AtomicFile.removeStaleTemporaries(in: scratch), [".a.png.rederive-tmp-\(dead)", ".analysis.rederive-tmp-\(dead)"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), Array(names.dropFirst()).sorted())
    }

    /// A folder is replaced whole; a kill between its two renames is undone by the next writer.
    func testFolderIsReplacedWholeAndAKilledCommitIsUndone() throws {
        let out = scratch + "/out"
        try AtomicFile.write([1], to: out + "/old-only")
        try OwnedFolder.mark(out, as: .analysis)
        let staging = try AtomicFile.beginFolder(out)
        try AtomicFile.write([2], to: staging + "/new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), [OwnedFolder.markerName, "old-only"])
        try AtomicFile.commitFolder(staging, to: out, as: .analysis)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), [OwnedFolder.markerName, "new"])
        XCTAssertEqual(OwnedFolder.kind(of: out), .analysis)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["out"])

        // As if killed after moving the old folder aside, before moving the new one in.
        let dead = try deadProcess()
        XCTAssertEqual(rename(out, scratch + "/.out.rederive-previous-\(dead)"), 0)
        try AtomicFile.makeFolders(scratch + "/.out.rederive-tmp-\(dead)")
        _ = try AtomicFile.beginFolder(out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), [OwnedFolder.markerName, "new"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), [".out.rederive-tmp-\(getpid())", "out"])
    }

    /// A folder that Rederive did not make is never replaced: the commit refuses, names the
    /// folder and a file in it, and every byte stays where it was.
    func testAFolderRederiveDidNotMakeIsRefusedAndKept() throws {
        let out = scratch + "/mydocs"
        try AtomicFile.write(Array("thesis".utf8), to: out + "/thesis.tex")
        let staging = try AtomicFile.beginFolder(out)
        try AtomicFile.write([2], to: staging + "/new")
        XCTAssertThrowsError(try AtomicFile.commitFolder(staging, to: out, as: .analysis)) { error in
            XCTAssertTrue("\(error)".contains("mydocs holds files that Rederive did not make (thesis.tex)"), "\(error)")
        }
        XCTAssertEqual(try AtomicFile.read(out + "/thesis.tex"), Array("thesis".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["thesis.tex"])
    }

    /// Ownership: absent, empty and marked folders may be replaced (a marked one only by a command
    /// of its kind); files, unmarked folders and other kinds are refused; `setAside` keeps them.
    func testOwnershipStatesAndSettingAside() throws {
        let folder = scratch + "/f"
        XCTAssertEqual(OwnedFolder.state(of: folder), .absent)
        try AtomicFile.makeFolders(folder)
        XCTAssertEqual(OwnedFolder.state(of: folder), .empty)
        try OwnedFolder.mark(folder, as: .run)
        XCTAssertEqual(OwnedFolder.state(of: folder), .ours(.run))
        XCTAssertNoThrow(try OwnedFolder.requireReplaceable(folder, by: [.run], advice: "x"))
        XCTAssertThrowsError(try OwnedFolder.requireReplaceable(folder, by: [.analysis], advice: "use another")) { error in
            XCTAssertEqual("\(error)", "\(folder) holds a run folder that Rederive made for another purpose; use another.")
        }
        try AtomicFile.write([1], to: scratch + "/file")
        XCTAssertEqual(OwnedFolder.state(of: scratch + "/file"), .file)
        try AtomicFile.write([1], to: scratch + "/user/a")
        XCTAssertEqual(OwnedFolder.state(of: scratch + "/user"), .notOurs(sample: ["a"]))
        let kept = try OwnedFolder.setAside(scratch + "/user")
        XCTAssertEqual(kept, scratch + "/user.kept-1")
        XCTAssertEqual(try AtomicFile.read(kept + "/a"), [1])
        XCTAssertEqual(OwnedFolder.state(of: scratch + "/user"), .absent)
    }
}
