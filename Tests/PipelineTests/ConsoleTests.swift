import Pipeline
import XCTest

/// The terminal's live block wraps long lines instead of cutting them (issue #27: a diverged
/// stage's line ended at "…diverged-step-000004.sa", hiding the advice after it).
final class ConsoleTests: XCTestCase {
    func testLongLinesWrapWithNothingLost() {
        let line = "  ▸ train@design=study,seed=0  12.3s  training diverged at step 4; saved as "
            + "artifacts/runs/study-seed0.post-mortem/checkpoints/diverged-step-000004.safetensors. Lower lr, then run make again."
        for columns in [20, 40, 80, 100] {
            let rows = Console.wrap(line, columns: columns)
            XCTAssertGreaterThan(rows.count, 1, "\(columns)")
            XCTAssertTrue(rows.allSatisfy { $0.count < columns }, "\(columns): \(rows)")
            XCTAssertTrue(rows.dropFirst().allSatisfy { $0.hasPrefix("      ") }, "continuation rows are indented: \(rows)")
            let rejoined = rows.map { $0.trimmingCharacters(in: .whitespaces) }.joined()
            XCTAssertEqual(rejoined.filter { $0 != " " }, line.filter { $0 != " " }, "\(columns): nothing is cut")
        }
        XCTAssertTrue(Console.wrap(line, columns: 80).last?.hasSuffix("run make again.") == true)
        XCTAssertEqual(Console.wrap("short", columns: 80), ["short"])
    }

    func testLinesBreakAtSpacesOrSlashes() {
        XCTAssertEqual(Console.wrap("aaaa bbbb cccc dddd eeee", columns: 20, indent: "  "), ["aaaa bbbb cccc dddd", "  eeee"])
        XCTAssertEqual(Console.wrap("see artifacts/runs/x/y.safetensors", columns: 20, indent: "  "),
                       ["see artifacts/runs/", "  x/y.safetensors"])
    }

    /// Sizes and durations in `clean`'s listing: three significant figures at most.
    func testCleanSizesAndDurations() {
        XCTAssertEqual(CleanSummary.size(999), "999 B")
        XCTAssertEqual(CleanSummary.size(1_234), "1.2 kB")
        XCTAssertEqual(CleanSummary.size(12_345_678), "12 MB")
        XCTAssertEqual(CleanSummary.size(999_600), "1.0 MB")
        XCTAssertEqual(CleanSummary.duration(0.42), "0.4 s")
        XCTAssertEqual(CleanSummary.duration(42), "42 s")
        XCTAssertEqual(CleanSummary.duration(252), "4 min 12 s")
        XCTAssertEqual(CleanSummary.duration(3720), "1 h 02 min")
    }
}
