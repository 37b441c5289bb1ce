import XCTest
import Pipeline

final class LockFileTests: XCTestCase {
    private func sample() -> LockFile {
        var lock = LockFile(pipeline: "study")
        lock.stages["train@seed=1"] = LockEntry(kind: "train", codeVersion: "train/1",
                                                params: ["lr": .double(1e-4), "steps": .int(4000), "pos": .string("none"),
                                                         "betas": .list([.double(0.9), .double(0.95)]), "whole": .double(1)],
                                                inputs: ["configs/b.yaml": "bb", "configs/a.yaml": "aa"],
                                                outputs: ["artifacts/run": "cc"], durationSeconds: 12.3456)
        lock.stages["analyze"] = LockEntry(kind: "cmd", codeVersion: "cmd/1:00", params: [:], inputs: [:],
                                           outputs: ["Figures/\"quoted\".png": "dd"], durationSeconds: 0)
        return lock
    }

    func testRoundTripKeepsIntsAndDoublesApart() throws {
        let lock = sample()
        let text = lock.encoded()
        var decoded = try LockFile.decode(Array(text.utf8), path: "x.lock", pipeline: "study")
        XCTAssertEqual(decoded.stages["train@seed=1"]?.params["whole"], .double(1))
        XCTAssertEqual(decoded.stages["train@seed=1"]?.params["steps"], .int(4000))
        XCTAssertEqual(decoded.stages["train@seed=1"]?.durationSeconds, 12.346)
        decoded.stages["train@seed=1"]?.durationSeconds = 12.3456
        XCTAssertEqual(decoded, lock)
    }

    func testEncodingIsSortedAndStable() {
        let text = sample().encoded()
        XCTAssertEqual(text, sample().encoded())
        let analyze = text.range(of: "\"analyze\"")!.lowerBound
        let train = text.range(of: "\"train@seed=1\"")!.lowerBound
        XCTAssertLessThan(analyze, train)
        XCTAssertLessThan(text.range(of: "configs/a.yaml")!.lowerBound, text.range(of: "configs/b.yaml")!.lowerBound)
        XCTAssertTrue(text.contains("\"params\": {\"betas\":[0.9,0.95],\"lr\":0.0001,\"pos\":\"none\",\"steps\":4000,\"whole\":1.0}"), text)
        XCTAssertTrue(text.hasSuffix("}\n"))
    }

    func testMergeConflictIsReportedWithLocation() {
        let text = "{\n  \"stages\": {\n<<<<<<< HEAD\n  }\n}\n"
        XCTAssertThrowsError(try LockFile.decode(Array(text.utf8), path: "Pipelines/p.lock", pipeline: "p")) { error in
            let e = error as? PipelineError
            XCTAssertEqual(e?.code, .corruptLock)
            XCTAssertEqual(e?.location?.line, 3)
            XCTAssertTrue(e?.hint?.contains("merge conflict") == true)
        }
    }

    func testMissingLockIsEmpty() throws {
        let lock = try LockFile.read("/nonexistent/p.lock", pipeline: "p")
        XCTAssertTrue(lock.stages.isEmpty)
    }
}
