import Foundation
import Pipeline
import PipelineGraphics
import Plot
import XCTest

/// `rederive check` on a project whose one stage draws a heatmap with a colormap named by a
/// param: a committed baseline, then the changes a reproduction check must catch.
final class ReproductionCheckTests: XCTestCase {
    /// Draws an 8 x 8 heatmap (times the param `factor`) to every .png and .pdf output, and its
    /// data to a .data.json output.
    struct HeatmapRunner: StageRunner {
        var kind: String { "figure" }
        var argument: String? { "recipe" }
        func codeVersion(for stage: Stage) -> String { "figure heat/1" }
        func run(_ context: StageContext) throws {
            let colormap: Colormap = context.params["colormap"] == .string("magma") ? .magma : .viridis
            let factor: Double = switch context.params["factor"] {
            case .double(let f)?: f
            case .int(let i)?: Double(i)
            case .string(let text)?: Double(text) ?? 1
            default: 1
            }
            let values = (0..<64).map { Double($0 % 8 + $0 / 8) * factor }
            let figure = Figure(Panel(marks: [.heatmap(Matrix(rows: 8, columns: 8, values: values), scale: ColorScale(colormap))]),
                                size: .inches(2, 2), dpi: 50)
            for output in context.outputs {
                if output.path.hasSuffix(".png") { try figure.writePNG(to: output.temporaryPath) }
                if output.path.hasSuffix(".pdf") { try figure.writePDF(to: output.temporaryPath) }
                if output.path.hasSuffix(FigureData.suffix) { try FigureData(figure).write(to: output.temporaryPath) }
            }
        }
    }

    private var project: TestProject!

    override func setUpWithError() throws {
        project = try TestProject("""
            params: {colormap: viridis, factor: 1.0}
            stages:
              heat:
                kind: figure heat
                params: {colormap: "${colormap}", factor: "${factor}"}
                outputs: [Figures/heat.png, Figures/heat.pdf, Figures/heat.data.json]
            """)
        project.registry.register(HeatmapRunner())
        XCTAssertEqual(try project.make().exitCode, 0)
    }

    private func check(exact: Bool = false, data: Bool = false, set overrides: [String] = []) throws -> ReproductionCheck.Result {
        var options = ReproductionCheck.Options()
        options.exact = exact
        options.dataOnly = data
        options.overrides = try overrides.map { try ParamOverride.parse($0) }
        let located = try XCTUnwrap(try Project.locate(project.pipelinePath, from: project.root))
        return try ReproductionCheck(project: located, options: options)
            .run(registry: project.registry, console: Console(interactive: false, quiet: true))
    }

    private func verdict(_ result: ReproductionCheck.Result, _ path: String) -> ReproductionCheck.Comparison? {
        result.comparisons.first { $0.path == path }
    }

    func testAnUnchangedProjectReproducesExactly() throws {
        let result = try check(exact: true)
        XCTAssert(result.passed, "\(result.comparisons)")
        XCTAssertEqual(result.comparisons.map(\.path), ["Figures/heat.data.json", "Figures/heat.pdf", "Figures/heat.png", "Pipelines/p.lock"])
        XCTAssert(result.fileSet.hasPrefix("4 files: the 3 outputs the repository commits"), result.fileSet)
        XCTAssertEqual(result.notes, [])
    }

    /// A pixel changed, the data not: exact fails saying "pixels only", data mode passes saying it.
    func testOnePixelFailsExactAndPassesTolerant() throws {
        let path = project.root + "/Figures/heat.png"
        var raster = try Raster.readPNG(path)
        raster.rgba[(10 * raster.width + 10) * 4] ^= 0x40      // one channel of one pixel
        try Data(raster.pngBytes()).write(to: URL(fileURLWithPath: path))

        let exact = try check(exact: true)
        XCTAssertFalse(exact.passed)
        XCTAssertEqual(exact.comparisons.first?.path, "Figures/heat.png", "failures first")
        guard case .pixelsOnly(_, identicalData: true) = verdict(exact, "Figures/heat.png")?.verdict else { return XCTFail("\(exact.comparisons)") }
        XCTAssert(CheckSummary.lines(exact.comparisons)[0].hasPrefix("FAIL Figures/heat.png: differs in pixels only: the data are identical"))

        let data = try check(data: true)
        XCTAssert(data.passed, "\(data.comparisons)")
        XCTAssert(CheckSummary.lines(data.comparisons)[0].hasPrefix("note Figures/heat.png: differs in pixels only"), "\(CheckSummary.lines(data.comparisons))")

        let tolerant = try check()
        XCTAssert(tolerant.passed, "\(tolerant.comparisons)")
        XCTAssertEqual(verdict(tolerant, "Figures/heat.png")?.verdict, .withinTolerance)
        XCTAssertLessThan(verdict(tolerant, "Figures/heat.png")?.rms ?? 99, 2)
    }

    func testAChangedColormapFailsBothModesAndDrawsTheDifference() throws {
        for exact in [true, false] {
            let result = try check(exact: exact, set: ["colormap=magma"])
            XCTAssertFalse(result.passed)
            let png = try XCTUnwrap(verdict(result, "Figures/heat.png"))
            XCTAssertFalse(png.passed)
            if !exact {
                XCTAssertGreaterThan(png.rms ?? 0, 2)
                XCTAssertEqual(verdict(result, "Figures/heat.pdf")?.passed, false)
            }
            // The report shows the baseline, the new image and their difference, each the figure's size.
            XCTAssertEqual(png.images.count, 3)
            let figure = try Raster.readPNG(project.root + "/Figures/heat.png")
            for image in png.images {
                let shown = try Raster.readPNG((result.reportPath as NSString).deletingLastPathComponent + "/" + image)
                XCTAssertEqual(shown.width, figure.width)
            }
        }
    }

    func testAMissingFigureFailsAndIsNamed() throws {
        try FileManager.default.removeItem(atPath: project.root + "/Figures/heat.pdf")
        let result = try check()
        XCTAssertFalse(result.passed)
        XCTAssertEqual(verdict(result, "Figures/heat.pdf")?.verdict, .missingBaseline)
        let html = try String(contentsOfFile: result.reportPath, encoding: .utf8)
        XCTAssert(html.contains("<code>Figures/heat.pdf</code>") && html.contains("no committed file to compare with"))
    }

    func testACorruptPNGGivesAClearError() throws {
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: project.root + "/Figures/heat.png"))
        let result = try check()
        guard case .unreadable(let message) = verdict(result, "Figures/heat.png")?.verdict else {
            return XCTFail("\(result.comparisons)")
        }
        XCTAssert(message.contains(project.root + "/Figures/heat.png") && message.contains("not a readable PNG"), message)
    }

    /// Committed files that are not text (here two bytes that are not UTF-8) are compared byte
    /// for byte at their own paths.
    func testNonTextFilesAreComparedByBytes() throws {
        let binary = try TestProject("""
            stages:
              raw:
                cmd: printf '\\377\\376' > "$OUT"
                outputs: [Figures/raw.bin]
            """)
        XCTAssertEqual(try binary.make().exitCode, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: binary.root + "/Figures/raw.bin")), Data([0xFF, 0xFE]))
        let located = try XCTUnwrap(try Project.locate(binary.pipelinePath, from: binary.root))
        let result = try ReproductionCheck(project: located, options: ReproductionCheck.Options())
            .run(registry: binary.registry, console: Console(interactive: false, quiet: true))
        XCTAssertEqual(verdict(result, "Figures/raw.bin")?.verdict, .match)
    }

    /// The report is a well-formed page whose images exist (a structural check: every tag closes
    /// in order, and every `img` points at a file in the report folder).
    func testTheReportIsWellFormedHTML() throws {
        let result = try check(set: ["colormap=magma"])
        let html = try String(contentsOfFile: result.reportPath, encoding: .utf8)
        XCTAssert(html.hasPrefix("<!DOCTYPE html>"))
        var stack = [String]()
        let voidElements: Set = ["meta", "img", "br", "link"]
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return XCTFail("unclosed tag") }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if tag.hasPrefix("!") { continue }
            let name = String(tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }).lowercased()
            if tag.hasPrefix("/") {
                XCTAssertEqual(stack.popLast(), name, "closing </\(name)> out of order")
            } else if !voidElements.contains(name) {
                stack.append(name)
            }
            if name == "img", let src = tag.range(of: "src=\"") {
                let file = tag[src.upperBound...].prefix { $0 != "\"" }
                XCTAssert(FileManager.default.fileExists(atPath: (result.reportPath as NSString).deletingLastPathComponent + "/" + file), String(file))
            }
        }
        XCTAssertEqual(stack, [])
        XCTAssert(html.contains("FAIL"))
    }

    /// Changed data are named by panel, series and point, with the Δ, under each figure file.
    func testAChangedSeriesIsReportedWithItsPointAndDelta() throws {
        let result = try check(set: ["factor=2"])
        XCTAssertFalse(result.passed)
        let data = try XCTUnwrap(verdict(result, "Figures/heat.data.json"))
        XCTAssertEqual(data.verdict, .differs("the data differ: 2 changes"))
        XCTAssertEqual(data.changes, ["panel row 1, column 1, heatmap 1: values: 64 cells, 63 moved, max |Δ| 14 at row 8, column 8 (14 → 28)",
                                      "panel row 1, column 1, heatmap 1: color limits 0…14 → 0…28"])
        XCTAssertEqual(verdict(result, "Figures/heat.png")?.changes, data.changes)
        let lines = CheckSummary.lines(result.comparisons)
        XCTAssertEqual(lines.filter { $0.contains("max |Δ| 14 at row 8, column 8") }.count, 1, "listed once per figure: \(lines)")
        let html = try String(contentsOfFile: result.reportPath, encoding: .utf8)
        XCTAssert(html.contains("max |Δ| 14 at row 8, column 8 (14 → 28)"))
    }

    /// Data mode: numbers within --rtol pass whatever the pixels; beyond it they fail.
    func testDataModeJudgesByTolerance() throws {
        let within = try check(data: true, set: ["factor=1.0001"])
        XCTAssert(within.passed, "\(within.comparisons)")
        let beyond = try check(data: true, set: ["factor=1.01"])
        XCTAssertFalse(beyond.passed)
        XCTAssertEqual(verdict(beyond, "Figures/heat.png")?.verdict, .differs("the data differ: 2 changes"))
    }

    func testABaselineWithoutDataFilesFallsBackToPixelsOnce() throws {
        try FileManager.default.removeItem(atPath: project.root + "/Figures/heat.data.json")
        let result = try check()
        XCTAssertEqual(verdict(result, "Figures/heat.png")?.verdict, .match)
        XCTAssert(result.passed, "\(result.comparisons)")
        XCTAssertEqual(result.notes.count, 1)
        XCTAssert(result.notes[0].contains("compared by pixels only"), result.notes[0])
        // Data mode, too, falls back to the tolerant pixel comparison: one pixel passes.
        var raster = try Raster.readPNG(project.root + "/Figures/heat.png")
        raster.rgba[(10 * raster.width + 10) * 4] ^= 0x40
        try Data(raster.pngBytes()).write(to: URL(fileURLWithPath: project.root + "/Figures/heat.png"))
        let data = try check(data: true)
        XCTAssert(data.passed, "\(data.comparisons)")
        XCTAssertEqual(verdict(data, "Figures/heat.png")?.verdict, .withinTolerance)
    }

    func testADataFileThatDoesNotParseIsNamedWithItsLine() throws {
        let path = project.root + "/Figures/heat.data.json"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"row\": 0", with: "\"row\": zero")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try check()
        guard case .unreadable(let why) = verdict(result, "Figures/heat.data.json")?.verdict else { return XCTFail("\(result.comparisons)") }
        XCTAssert(why.hasPrefix("Figures/heat.data.json:8: 'zero' is not a JSON value"), why)
    }

    func testJSONOutputIsOneObjectWithEveryFile() throws {
        let result = try check(set: ["factor=2"])
        let text = CheckSummary.json(passed: result.passed, mode: "tolerant", fileSet: result.fileSet, notes: result.notes,
                                     comparisons: result.comparisons, report: result.reportPath)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(object["passed"] as? Bool, false)
        let files = try XCTUnwrap(object["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, result.comparisons.count)
        XCTAssertEqual(files.first?["path"] as? String, "Figures/heat.data.json", "failures first")
        XCTAssertEqual((files.first?["changes"] as? [String])?.count, 2)
    }

    /// Headless Chromium: the page fits 1280 px, the three images sit side by side, and stack on a narrow window.
    func testTheReportFitsTheWindow() throws {
        let result = try check(set: ["colormap=magma"])
        XCTAssert(try String(contentsOfFile: result.reportPath, encoding: .utf8).contains("files differ."), "a summary line on top")
        try PageLayout.check(result.reportPath, images: 3)
    }

    /// A byte-identical array is identical, NaN and all (NaN != NaN as numbers).
    func testAByteIdenticalArrayWithNaNIsIdentical() throws {
        let arrays = try TestProject("""
            stages:
              arrays:
                cmd: python3 -c "import numpy, sys; numpy.save(sys.argv[1], numpy.array([numpy.nan, 1], dtype=numpy.float32))" "$OUT"
                outputs: [artifacts/loss_by_position.npy]
            """)
        XCTAssertEqual(try arrays.make().exitCode, 0)
        let located = try XCTUnwrap(try Project.locate(arrays.pipelinePath, from: arrays.root))
        let result = try ReproductionCheck(project: located, options: ReproductionCheck.Options())
            .run(registry: arrays.registry, console: Console(interactive: false, quiet: true))
        XCTAssertEqual(verdict(result, "artifacts/loss_by_position.npy")?.verdict, .match)
    }
}
