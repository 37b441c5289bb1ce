import Foundation
import XCTest
import Pipeline

/// When the hash cache trusts a stat and when it reads the file again.
final class FileHasherTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rederive-hasher-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func setModified(_ path: String, secondsAgo: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -secondsAgo)], ofItemAtPath: folder + "/" + path)
    }

    func testReHashesOnlyWhenTheStatChangesOrIsRacy() throws {
        try "hello\n".write(toFile: folder + "/a.txt", atomically: false, encoding: .utf8)
        let hasher = FileHasher(root: folder, cachePath: folder + "/cache")
        XCTAssertEqual(try hasher.hash("a.txt"), SHA256.hex("hello\n"))
        XCTAssertEqual(hasher.filesHashed, 1)
        _ = try hasher.hash("a.txt")
        XCTAssertEqual(hasher.filesHashed, 2, "written within the racy window: not trusted yet")
        try setModified("a.txt", secondsAgo: 60)
        _ = try hasher.hash("a.txt")
        XCTAssertEqual(hasher.filesHashed, 3, "mtime changed")
        _ = try hasher.hash("a.txt")
        XCTAssertEqual(hasher.filesHashed, 3, "same stat, old enough: cached")

        // Same size, exactly the same (restored) mtime, different bytes: the change time gives it away.
        var before = stat()
        XCTAssertEqual(stat(folder + "/a.txt", &before), 0)
        try "HELLO\n".write(toFile: folder + "/a.txt", atomically: false, encoding: .utf8)
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, folder + "/a.txt", &times, 0), 0)
        XCTAssertEqual(try hasher.hash("a.txt"), SHA256.hex("HELLO\n"))
        XCTAssertEqual(hasher.filesHashed, 4)

        // The cache survives the process.
        hasher.save()
        let next = FileHasher(root: folder, cachePath: folder + "/cache")
        XCTAssertEqual(try next.hash("a.txt"), SHA256.hex("HELLO\n"))
        XCTAssertEqual(next.filesHashed, 0)
        XCTAssertNil(try next.hash("missing.txt"))
    }

    func testFolderHashDependsOnNamesAndContents() throws {
        try FileManager.default.createDirectory(atPath: folder + "/d/sub", withIntermediateDirectories: true)
        try "1".write(toFile: folder + "/d/x", atomically: false, encoding: .utf8)
        try "2".write(toFile: folder + "/d/sub/y", atomically: false, encoding: .utf8)
        let hasher = FileHasher(root: folder, cachePath: nil)
        let first = try XCTUnwrap(try hasher.hash("d"))
        XCTAssertEqual(first, SHA256.hex("sub/y\0\(SHA256.hex("2"))\nx\0\(SHA256.hex("1"))\n"))
        try FileManager.default.moveItem(atPath: folder + "/d/x", toPath: folder + "/d/z")
        XCTAssertNotEqual(try hasher.hash("d"), first, "a rename changes the folder's hash")
    }
}
