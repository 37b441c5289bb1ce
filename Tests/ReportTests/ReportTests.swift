import Foundation
import XCTest
import Analysis
import Plot
import Report
import Tensor
import Transformer

/// `rederive report` on TransformerLens's 2-layer, 4-head GELU fixture: the findings, the
/// self-contained page and its images, the PDF, and the page as Chromium draws it.
final class ReportTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/TransformerLens/heads4_gelu").path
    /// One report for every test (it takes a few seconds in debug builds).
    nonisolated(unsafe) static var written: (folder: String, findings: [Finding])?

    static func report() throws -> (folder: String, findings: [Finding]) {
        if let written { return written }
        let folder = NSTemporaryDirectory() + "rederive-report-tests-\(UUID().uuidString)"
        var settings = AnalysisSettings()
        settings.evalSequences = 64
        settings.ablationSequences = 8
        settings.checkpoint = CheckpointOptions(configFile: fixture + "/config.json")
        let findings = try ModelReport.write(source: fixture + "/model.safetensors", out: folder, settings: settings)
        written = (folder, findings)
        return (folder, findings)
    }

    override class func tearDown() {
        if let written { try? FileManager.default.removeItem(atPath: written.folder) }
    }

    /// No section's colours mislead: every colour scale covers what it colours, and a shared
    /// colour bar spans its panels (the composition scores once shared a bar over three scales).
    func testNoSectionsColoursMislead() throws {
        var settings = AnalysisSettings()
        settings.evalSequences = 64
        settings.ablationSequences = 8
        settings.checkpoint = CheckpointOptions(configFile: Self.fixture + "/config.json")
        let data = try ReportData.gather(source: Self.fixture + "/model.safetensors",
                                         analysisFolder: NSTemporaryDirectory() + "rederive-report-colours-\(UUID().uuidString)",
                                         settings: settings, progress: { _ in })
        for section in try data.sections() {
            let colours = try Renderer.layout(section.figure).findings.filter { if case .colorScale = $0.kind { true } else { false } }
            XCTAssertEqual(colours.map(\.description), [], section.title)
        }
    }

    func testFindingsAreFiveToTenRankedSentencesWithNumbers() throws {
        let (folder, findings) = try Self.report()
        XCTAssertTrue((5...10).contains(findings.count), "\(findings.count) findings")
        XCTAssertEqual(findings.map(\.salience), findings.map(\.salience).sorted(by: >))
        for finding in findings { XCTAssertNotNil(finding.sentence.rangeOfCharacter(from: .decimalDigits), finding.sentence) }
        // The trained model has a previous-token head, and the page says which.
        XCTAssertTrue(findings.contains { $0.sentence.contains("previous-token head") }, findings.map(\.sentence).joined(separator: "\n"))
        // Patching is cited, ranked by the same rule: layer 0's previous-token heads write the
        // token they read at p − 1 into the answer's position p, so that is where it comes back.
        XCTAssertTrue(findings.contains { $0.sentence.hasPrefix("Patching blocks.0.hook_attn_out at position p (") && $0.salience > 0.9 },
                      findings.map(\.sentence).joined(separator: "\n"))
        let text = try String(contentsOfFile: folder + "/findings.txt", encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("1. " + findings[0].sentence))
    }

    func testPageIsSelfContainedWithAPanelPerHead() throws {
        let (folder, findings) = try Self.report()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.html"))
        let page = try XCTUnwrap(String(data: bytes, encoding: .utf8))
        XCTAssertFalse(page.contains("http://") || page.contains("https://") || page.contains("<script") || page.contains("<link"))
        XCTAssertTrue(page.contains(ReportDocument.escape(findings[0].sentence)))
        let sources = page.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(sources.count, 14, "one image per section: attention, head scores, loss, probes, PCA, QK positions, QK tokens, OV, composition, DLA, MLP, ablations, patching, logit lens")
        for source in sources {
            XCTAssertTrue(source.hasPrefix("data:image/png;base64,"))
            let png = try XCTUnwrap(Data(base64Encoded: String(source.dropFirst("data:image/png;base64,".count))))
            let raster = try Raster.decodePNG([UInt8](png), path: "inline image")
            let inked = stride(from: 0, to: raster.rgba.count, by: 4).filter { raster.rgba[$0] < 200 || raster.rgba[$0 + 2] < 200 }.count
            XCTAssertGreaterThan(Double(inked) / Double(raster.width * raster.height), 0.01, "an inline image is nearly blank")
        }
        for name in ["L0H0", "L0H3", "L1H3"] { XCTAssertTrue(page.contains(name)) }
        let analysis = try FileManager.default.contentsOfDirectory(atPath: folder + "/analysis")
        XCTAssertTrue(analysis.contains("attention.L1.pattern.npy") && analysis.contains("circuits.L1H3.ov_tokens.npy"))
    }

    func testPDFHasAFindingsPageAndOnePagePerSection() throws {
        let (folder, _) = try Self.report()
        let pdf = try Data(contentsOf: URL(fileURLWithPath: folder + "/report.pdf"))
        let text = String(decoding: pdf, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("%PDF"))
        XCTAssertEqual(text.components(separatedBy: "/Type /Page\n").count - 1 + text.components(separatedBy: "/Type /Page ").count - 1, 15, "the findings page and one per section")
    }

    /// Headless Chromium draws the page; the images must load and carry ink. Compared with the
    /// same page whose images are removed, the screenshot must have far more non-white pixels.
    func testChromiumRendersTheImages() throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("no Chromium (Debian package 'chromium', which ./make.sh test installs as root)")
        }
        let (folder, _) = try Self.report()
        let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        let stripped = page.replacingOccurrences(of: "src=\"data:image/png;base64,", with: "data-removed=\"")
        try stripped.write(toFile: folder + "/stripped.html", atomically: true, encoding: .utf8)
        func screenshot(_ html: String) throws -> Raster {
            let shot = folder + "/" + UUID().uuidString + ".png"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: chromium)
            process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(folder)/chromium-profile",
                                 "--window-size=1300,3000", "--screenshot=\(shot)", "file://\(folder)/\(html)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // A hung browser must not hang the suite.
            DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "chromium failed")
            return try Raster.readPNG(shot)
        }
        func inked(_ raster: Raster) -> Int {
            stride(from: 0, to: raster.rgba.count, by: 4).filter { raster.rgba[$0] < 230 || raster.rgba[$0 + 1] < 230 || raster.rgba[$0 + 2] < 230 }.count
        }
        let full = try screenshot("report.html"), bare = try screenshot("stripped.html")
        XCTAssertEqual(full.width, 1300)
        let (withImages, without) = (inked(full), inked(bare))
        XCTAssertGreaterThan(withImages, 4 * max(without, 1), "images did not load: \(withImages) inked pixels against \(without) without images")
        // Colour, not just text: viridis' yellow-green (attention near 1) appears somewhere.
        let colourful = stride(from: 0, to: full.rgba.count, by: 4).contains { i in
            let (r, g, b) = (Int(full.rgba[i]), Int(full.rgba[i + 1]), Int(full.rgba[i + 2]))
            return g > 150 && b < 120 && abs(r - g) > 40
        }
        XCTAssertTrue(colourful, "no colour-mapped pixels in the screenshot")
    }

    /// A run folder adds the metrics over training; a k-back task shows its k in the head scores.
    func testRunFolderShowsTrainingAndKBackScores() throws {
        let folder = NSTemporaryDirectory() + "rederive-report-run-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var config = TrainingConfig(model: ModelConfig(nLayers: 1, dModel: 16, nHeads: 2, dHead: 8, dMLP: nil, dVocab: 12, nCtx: 8,
                                                       normalization: .none, positional: .learned),
                                    task: .kBack(3), batch: 8, steps: 6, lr: 1e-3, seed: 1, checkpointEvery: 3, logEvery: 3)
        config.evalBatch = 4
        let trainer = Trainer(config: config, folder: folder + "/run", threads: 1, progress: Progress(style: .silent))
        trainer.shouldStop = { false }
        _ = try trainer.run(resume: false)
        var settings = AnalysisSettings()
        settings.evalSequences = 16
        settings.ablationSequences = 4
        let findings = try ModelReport.write(source: folder + "/run", out: folder + "/report", settings: settings)
        let page = try String(contentsOfFile: folder + "/report/report.html", encoding: .utf8)
        XCTAssertTrue(page.contains("<h2>Over training</h2>") && page.contains("3-back (i−3)"))
        XCTAssertFalse(page.contains("Composition scores"), "one layer has no pairs of layers to compose")
        XCTAssertTrue(findings.contains { $0.sentence.hasPrefix("Over training the loss fell") }, findings.map(\.sentence).joined(separator: "\n"))
    }

    /// One number format on the page (issue #27): three significant figures, trailing zeros kept,
    /// so a loss that rises to 10 reads "10.0" like every other number.
    func testOneNumberFormat() {
        XCTAssertEqual(ReportNumber.significant(10), "10.0")
        XCTAssertEqual(ReportNumber.significant(9.996), "10.0")
        XCTAssertEqual(ReportNumber.significant(2.3), "2.30")
        XCTAssertEqual(ReportNumber.significant(0.0043612), "0.00436")
        XCTAssertEqual(ReportNumber.significant(123_456), "123000")
        XCTAssertEqual(ReportNumber.significant(2e-7), "2.00e-07")
        XCTAssertEqual(ReportNumber.significant(0), "0")
        XCTAssertEqual(ReportNumber.signed(-0.5), "−0.500")
        XCTAssertEqual(ReportNumber.percent(0.423), "42%")
    }

    /// One baseline loss per model and page, its sequence count stated once: the page once
    /// printed the same model's loss on 32, 128 and 512 sequences as three different numbers.
    func testOneBaselineLossPerPage() throws {
        let (folder, _) = try Self.report()
        let page = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        let summary = try JSONDecoder().decode(AnalysisSummary.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/analysis/summary.json")))
        let baseline = ReportNumber.significant(summary.loss)
        XCTAssertEqual(page.components(separatedBy: "mean loss \(baseline) nats on \(summary.evalSequences) evaluation sequences").count, 2, "stated once in the heading")
        let ablated = ReportNumber.significant(summary.ablationBaselineLoss)
        if ablated != baseline { XCTAssertFalse(page.contains(ablated), "a second baseline, \(ablated), beside \(baseline)") }
        XCTAssertFalse(page.contains("intact, the loss there is"))
    }

    /// --tokens that do not fit the model are refused with the file and the expected shape.
    func testTokensOfTheWrongShapeAreRefused() throws {
        let path = NSTemporaryDirectory() + "rederive-report-tokens-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NumpyFile.write(.int64(shape: [2, 5], values: Array(repeating: 1, count: 10)), to: path)
        var settings = AnalysisSettings()
        settings.checkpoint = CheckpointOptions(configFile: Self.fixture + "/config.json")
        settings.tokensFile = (path, nil)
        XCTAssertThrowsError(try ModelReport.write(source: Self.fixture + "/model.safetensors", out: path + ".out", settings: settings)) { error in
            XCTAssertEqual("\(error)", "\(path): tokens have shape [2, 5]; expected [batch, n_ctx] = [B, 16] with B >= 1")
        }
    }
}
