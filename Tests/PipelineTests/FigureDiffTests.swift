import Foundation
import Pipeline
import PipelineGraphics
import Plot
import XCTest

/// `rederive diff`: figure data compared across commits of a scratch git repository.
final class FigureDiffTests: XCTestCase {
    private var root = ""

    private func git(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", root, "-c", "user.name=test", "-c", "user.email=test@example.com"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "git \(arguments)")
    }

    private func writeFigure(loss: [Double]) throws {
        let figure = Figure(Panel(title: "Training loss", xLabel: "step", yLabel: "loss",
                                  marks: [.line(x: [0, 10, 20, 30], y: loss, label: "seed 0")]))
        try FigureData(figure).write(to: root + "/Figures/loss.data.json")
    }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "rederive-diff-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/Figures", withIntermediateDirectories: true)
        try git("init", "-q")
        try writeFigure(loss: [4, 2, 1, 0.5])
        try git("add", ".")
        try git("commit", "-q", "-m", "first")
        try writeFigure(loss: [4, 2, 1.25, 0.5])
        try git("commit", "-q", "-a", "-m", "second")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    func testTwoCommitsDifferByTheMovedPoint() throws {
        let result = try FigureDiff(root: root).run(from: .revision("HEAD~1"), to: .revision("HEAD"))
        XCTAssertFalse(result.passed)
        XCTAssertEqual(result.comparisons.map(\.path), ["Figures/loss.data.json"])
        XCTAssertEqual(result.comparisons[0].changes,
                       ["panel \"Training loss\", series \"seed 0\": y: 4 points, 1 moved, max |Δ| 0.25 at step = 20 (1 → 1.25)"])
        // A tolerance that covers the change passes.
        var tolerant = FigureDiff(root: root)
        tolerant.diff = FigureDataDiff(relativeTolerance: 0.3)
        XCTAssert(try tolerant.run(from: .revision("HEAD~1"), to: .revision("HEAD")).passed)
    }

    func testTheWorkTreeIsComparedWithHEAD() throws {
        XCTAssert(try FigureDiff(root: root).run(from: .revision("HEAD"), to: .workTree).passed)
        try writeFigure(loss: [4, 2, 1.25, 0.75])
        let result = try FigureDiff(root: root).run(from: .revision("HEAD"), to: .workTree)
        XCTAssertEqual(result.comparisons[0].changes.first?.hasSuffix("at step = 30 (0.5 → 0.75)"), true, "\(result.comparisons)")
    }

    func testAnUnknownRevisionIsNamed() throws {
        XCTAssertThrowsError(try FigureDiff(root: root).run(from: .revision("v9.9"), to: .workTree)) { error in
            XCTAssert("\(error)".contains("no revision 'v9.9'"), "\(error)")
        }
    }

    /// The page draws the changed panel with the old data under the new, and fits the window.
    func testTheHTMLPageShowsTheOverlayAndFits() throws {
        let differ = FigureDiff(root: root)
        let result = try differ.run(from: .revision("HEAD~1"), to: .revision("HEAD"))
        try differ.writeHTML(result, to: root + "/diff-report", title: "rederive diff: HEAD~1 → HEAD")
        let html = try String(contentsOfFile: root + "/diff-report/index.html", encoding: .utf8)
        XCTAssert(html.contains("1 of 1 files differ.") && html.contains("max |Δ| 0.25 at step = 20 (1 → 1.25)"), html)
        let overlay = try Raster.readPNG(root + "/diff-report/Figures_loss.data.json.overlay.png")
        XCTAssertGreaterThan(overlay.width, 100)
        try PageLayout.check(root + "/diff-report/index.html", images: 1)
    }
}
