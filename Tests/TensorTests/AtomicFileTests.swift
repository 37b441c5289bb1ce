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
        FileManager.default.createFile(atPath: scratch + "/.out.npy.tmp-\(pid)", contents: Data([1]))
        XCTAssertEqual(AtomicFile.removeStaleTemporaries(in: scratch), [".out.npy.tmp-\(pid)"])
        XCTAssertTrue(AtomicFile.isRunning(getpid()))
    }

    func testStaleTemporariesOfEndedProcessesAreRemovedOthersKept() throws {
        let dead = try deadProcess()
        let names = [".a.png.tmp-\(dead)", ".b.npy.tmp-\(getpid())", "c.tmp-\(dead)", ".d.tmp-x", "plain.txt"]
        for name in names { try AtomicFile.write([1], to: scratch + "/" + name) }
        try AtomicFile.makeFolders(scratch + "/.analysis.tmp-\(dead)/inner")
        XCTAssertEqual(AtomicFile.removeStaleTemporaries(in: scratch), [".a.png.tmp-\(dead)", ".analysis.tmp-\(dead)"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), Array(names.dropFirst()).sorted())
    }

    /// A folder is replaced whole; a kill between its two renames is undone by the next writer.
    func testFolderIsReplacedWholeAndAKilledCommitIsUndone() throws {
        let out = scratch + "/out"
        try AtomicFile.write([1], to: out + "/old-only")
        let staging = try AtomicFile.beginFolder(out)
        try AtomicFile.write([2], to: staging + "/new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["old-only"])
        try AtomicFile.commitFolder(staging, to: out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["new"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch), ["out"])

        // As if killed after moving the old folder aside, before moving the new one in.
        let dead = try deadProcess()
        XCTAssertEqual(rename(out, scratch + "/.out.previous-\(dead)"), 0)
        try AtomicFile.makeFolders(scratch + "/.out.tmp-\(dead)")
        _ = try AtomicFile.beginFolder(out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["new"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch).sorted(), [".out.tmp-\(getpid())", "out"])
    }
}
