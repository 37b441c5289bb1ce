import Foundation
import XCTest
import Pipeline

/// A Vega-Lite stage's data files are its inputs without being listed (issue #23): each `data.url`
/// of the spec, resolved against the spec's folder, is hashed into the lock; editing it redraws
/// only that figure, a stage writing it runs first, and a missing one is named as the spec names it.
final class SpecDataInputTests: XCTestCase {
    var project = ""

    override func setUpWithError() throws {
        project = NSTemporaryDirectory() + "rederive-specdata-\(UUID().uuidString)"
        for folder in ["Pipelines", "figures", "data"] {
            try FileManager.default.createDirectory(atPath: project + "/" + folder, withIntermediateDirectories: true)
        }
        try write("Pipelines/main.yaml", """
            stages:
              made:
                cmd: printf 'x,y\\n1,2\\n2,5\\n' > "$OUT"
                outputs: [data/made.csv]
              a:
                kind: vega-lite
                inputs: {spec: figures/a.vl.json}
                outputs: [Figures/a.png]
              b:
                kind: vega-lite
                inputs: {spec: figures/b.vl.json}
                outputs: [Figures/b.png]
            """)
        try write("data/a.csv", "x,y\n1,3\n2,4\n")
        try write("figures/a.vl.json", spec(url: "../data/a.csv"))
        try write("figures/b.vl.json", spec(url: "../data/made.csv"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: project) }

    func spec(url: String) -> String {
        #"{"description": "A caption no stage declares.", "data": {"url": "\#(url)"}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}}}"#
    }

    func write(_ path: String, _ text: String) throws {
        try text.write(toFile: project + "/" + path, atomically: true, encoding: .utf8)
    }

    func testDataFilesAreInputsOfTheirStage() throws {
        let first = try run("make")
        XCTAssertEqual(first.status, 0, first.text)
        // b reads what `made` writes, so it ran after it.
        XCTAssertLessThan(try XCTUnwrap(first.text.range(of: "ok     made")).lowerBound, try XCTUnwrap(first.text.range(of: "ok     b")).lowerBound)
        let lock = try String(contentsOfFile: project + "/Pipelines/main.lock", encoding: .utf8)
        XCTAssertTrue(lock.contains("\"data/a.csv\": \"\(SHA256.hex("x,y\n1,3\n2,4\n"))\""), lock)
        XCTAssertTrue(try run("status").text.contains("0 of 3 stage(s) out of date"))
        // Only the declared outputs are written: no caption or data file left in temporaries.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: project + "/Figures").sorted(), ["a.png", "b.png"])

        try write("data/a.csv", "x,y\n1,3\n2,9\n")
        let status = try run("status").text
        let lines = status.split(separator: "\n").filter { $0.contains("->") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        XCTAssertEqual(lines.map { $0[1] }, ["a"], status)
        XCTAssertTrue(status.contains("input changed: data/a.csv"), status)
        XCTAssertTrue(status.contains("1 of 3 stage(s) out of date"), status)

        // A spec pointing at another file: the cached expansion is stale, the lock follows.
        try write("data/c.csv", "x,y\n0,0\n1,1\n")
        try write("figures/a.vl.json", spec(url: "../data/c.csv"))
        let moved = try run("status").text
        XCTAssertTrue(moved.contains("added data/c.csv removed data/a.csv"), moved)
        XCTAssertEqual(try run("make").status, 0)
        XCTAssertTrue(try String(contentsOfFile: project + "/Pipelines/main.lock", encoding: .utf8).contains("data/c.csv"))
    }

    func testAMissingDataFileIsNamedAsTheSpecNamesIt() throws {
        try write("figures/a.vl.json", spec(url: "../data/nowhere.csv"))
        let make = try run("make")
        XCTAssertEqual(make.status, 2, make.text)
        XCTAssertTrue(make.text.contains("figures/a.vl.json reads data file '../data/nowhere.csv' (relative to the spec's folder: data/nowhere.csv), which does not exist"), make.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: project + "/Figures/b.png"), "nothing runs")
    }

    /// Exit status and both streams of `rederive ARGS` run in the project.
    func run(_ arguments: String...) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("rederive"))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: project)
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": project]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
