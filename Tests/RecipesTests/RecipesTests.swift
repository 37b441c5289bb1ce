import Analysis
import Foundation
import Plot
import Recipes
import AtomicFiles
import Tensor
import Transformer
import XCTest

/// The study's recipes on analyses of small random models: every figure draws, its values say
/// what the recipe promises, and bad inputs are named.
final class RecipesTests: XCTestCase {
    static let scratch = NSTemporaryDirectory() + "rederive-recipes-tests-\(getpid())"
    nonisolated(unsafe) static var folders: [String] = []   // written once in class setUp
    /// The study design's runs patched on their task (`rederive patch`), seed 0 first.
    nonisolated(unsafe) static var patchings: [String] = []

    /// Two designs (the study's and attention-only) x two seeds, analysed once for all tests;
    /// the study design's runs also patched.
    override class func setUp() {
        super.setUp()
        var settings = AnalysisSettings()
        settings.evalSequences = 16
        settings.ablationSequences = 2
        settings.probes.logistic.iterations = 20
        let designs = [
            ModelConfig(nLayers: 2, dModel: 16, nHeads: 1, dHead: 16, dMLP: 32, dVocab: 13, nCtx: 8),
            ModelConfig(nLayers: 2, dModel: 16, nHeads: 1, dHead: 16, dMLP: nil, dVocab: 13, nCtx: 8),
        ]
        do {
            for (d, model) in designs.enumerated() {
                for seed in [0, 1] {
                    let run = RunFolder("\(scratch)/runs/\(d)-\(seed)")
                    try run.create()
                    let config = TrainingConfig(model: model, batch: 4, steps: 20, lr: 1e-3, seed: UInt64(seed))
                    for step in [0, 20] {
                        let checkpoint = Checkpoint(model: Model(config: model, seed: UInt64(seed * 100 + step)), config: config,
                                                    step: step, loss: 1, optimizerFile: nil)
                        try checkpoint.write(to: run.checkpointPath(step: step))
                        if step == 20 { try checkpoint.write(to: run.modelPath) }
                    }
                    let log = "step,loss,eval_loss\n" + (1...4).map { "\($0 * 5),\(2.5 / Double($0 + d + seed)),1" }.joined(separator: "\n") + "\n"
                    try AtomicFile.write(Array(log.utf8), to: run.logPath)
                    let folder = "\(scratch)/analysis/\(d)-\(seed)"
                    try RunAnalysis.run(run.path, into: folder, settings: settings)
                    folders.append(folder)
                    if d == 0 {
                        let patching = "\(scratch)/patching/\(d)-\(seed)"
                        try PatchingRun.run(run.path, into: patching, settings: .init(source: .task(sequences: 8, seed: 0, position: nil), threads: 1))
                        patchings.append(patching)
                    }
                }
            }
        } catch {
            XCTFail("setting up the analyses failed: \(error)")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    func runs() throws -> StudyRuns { try StudyRuns(folders: Self.folders + Self.patchings) }

    func testEveryRecipeDrawsToPNGAndPDF() throws {
        let runs = try runs()
        for recipe in Recipe.all {
            let prefix = Self.scratch + "/figures/" + recipe.name
            try FileManager.default.createDirectory(atPath: Self.scratch + "/figures", withIntermediateDirectories: true)
            let caption = try FigureWriter.write(recipe, runs: runs, prefix: prefix)
            XCTAssertFalse(caption.isEmpty, recipe.name)
            XCTAssertFalse(caption.contains("<"), "captions are plain text: \(caption)")
            let png = try AtomicFile.read(prefix + ".png")
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47], recipe.name)
            let pdf = try AtomicFile.read(prefix + ".pdf")
            XCTAssertEqual(String(decoding: pdf.prefix(5), as: UTF8.self), "%PDF-", recipe.name)
            XCTAssertEqual(try String(contentsOfFile: prefix + ".caption.txt", encoding: .utf8), caption + "\n")
        }
    }

    /// The layout audit over every recipe in every form the project emits: the figure (its PNG
    /// and PDF share one layout), the talk style, and the slide pages.
    func testEveryFormOfEveryRecipeAuditsClean() throws {
        let runs = try runs()
        for recipe in Recipe.all {
            let output = try recipe.make(runs)
            let forms = FigureWriter.forms(recipe, output)
            XCTAssertGreaterThanOrEqual(forms.count, 3, recipe.name)
            XCTAssertEqual(try FigureWriter.audit(recipe, output), [], recipe.name)
        }
    }

    /// The reflow rule: the four-panel probe figure goes on two slides, one row each; a one-row
    /// figure stays on one.
    func testAFigureTooTallForASlideReflowsByRows() throws {
        let runs = try runs()
        let probes = FigureWriter.forms(.positionProbes, try Recipe.positionProbes.make(runs)).filter { $0.form.hasPrefix("slide") }
        XCTAssertEqual(probes.map(\.figure.grid.count), [1, 1])
        XCTAssertEqual(probes.map { $0.figure.suptitle ?? "" }, ["Where position is linearly readable (1/2)", "Where position is linearly readable (2/2)"])
        XCTAssert(probes.allSatisfy { $0.figure.resolvedSize == Size(width: 960, height: 540) && $0.figure.style == .talk })
        // The four-line caption keeps only its sentences with numbers on a slide.
        let caption = try XCTUnwrap(probes[0].figure.caption)
        XCTAssert(caption.hasPrefix("In the study model a linear regression recovers") && !caption.contains("Bars:"), caption)
        for page in probes {
            XCTAssert(try Renderer.layout(page.figure).panels.allSatisfy { $0.plot.height >= 150 }, "a reflowed slide's plots are at least 150 pt tall")
        }
        let pca = FigureWriter.forms(.residualPCA, try Recipe.residualPCA.make(runs)).filter { $0.form.hasPrefix("slide") }
        XCTAssertEqual(pca.count, 1)
    }

    func testRunsAreGroupedByDesignWithTheStudyFirst() throws {
        let runs = try runs()
        XCTAssertEqual(runs.variants.map(\.plainLabel), ["2 layers, MLP", "2 layers, attention-only"])
        XCTAssertEqual(runs.studyRuns.map(\.config.seed), [0, 1])
        XCTAssertEqual(try runs.mainRun(for: "x").config.seed, 0)
    }

    func testLossCurvesShowMeanBandAndUniformLine() throws {
        let output = try Recipe.lossCurves.make(runs())
        let panel = try XCTUnwrap(output.figure.grid.first?.first)
        XCTAssertEqual(panel.yScale, .log)
        var lines = [LineMark](), bands = 0, rules = [RuleMark]()
        for mark in panel.marks {
            switch mark.kind {
            case .line(let line): lines.append(line)
            case .band: bands += 1
            case .rule(let rule): rules.append(rule)
            default: break
            }
        }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(bands, 2)
        // Mean over the two seeds of the study design: 2.5/(i + seed) at step 5i.
        XCTAssertEqual(lines[0].x, [5, 10, 15, 20])
        XCTAssertEqual(lines[0].y[0], (2.5 / 1 + 2.5 / 2) / 2, accuracy: 1e-12)
        XCTAssertEqual(rules.first?.value ?? 0, log(12), accuracy: 1e-12)
        // The study's final mean loss, (2.5/4 + 2.5/5) / 2, is quoted.
        XCTAssert(output.caption.hasPrefix("The study model (2 layers, MLP) ends at a loss of 0.5625"), output.caption)
    }

    func testPositionalCodeCaptionQuotesTheFit() throws {
        let runs = try runs()
        let output = try Recipe.positionalCode.make(runs)
        let a = RecipeSupportProbe.mean(runs.studyRuns.map { $0.summary.heads[0].bosFit.a })
        XCTAssert(output.caption.contains(String(format: "a = %.1f", runs.studyRuns[0].summary.heads[0].bosFit.a)), output.caption)
        XCTAssert(output.caption.contains(String(format: "about %.1f×", a)), output.caption)
    }

    func testBadInputsAreNamed() {
        XCTAssertThrowsError(try Recipe.named("nope")) { error in
            XCTAssert("\(error)".hasPrefix("no figure recipe named 'nope'; known: loss_curves"), "\(error)")
        }
        let missing = Self.scratch + "/missing"
        XCTAssertThrowsError(try StudyRuns(folders: [missing])) { error in
            XCTAssert("\(error)".hasPrefix(missing + "/summary.json: cannot read the analysis summary"), "\(error)")
        }
        XCTAssertThrowsError(try Recipe.attentionPatterns.make(StudyRuns(runs: []))) { error in
            XCTAssertEqual("\(error)", "figure 'attention_patterns' needs at least one analysed run among its inputs")
        }
    }
}

extension RecipesTests {
    /// A copy of the first analysis with `name` replaced by `array`.
    private func analysis(replacing name: String, with array: Tensor, as copy: String) throws -> String {
        let folder = Self.scratch + "/" + copy
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.copyItem(atPath: Self.folders[0], toPath: folder)
        try NumpyFile.write(array, to: folder + "/" + name)
        return folder
    }

    /// An attention pattern full of NaN gave blank panels, exit 0 and an unchanged caption.
    func testNonFiniteArrayIsRefusedNamingFileArrayAndReason() throws {
        let name = "attention.L0.pattern.npy"
        let folder = try analysis(replacing: name, with: Tensor(shape: [1, 8, 8], repeating: .nan), as: "nan")
        XCTAssertThrowsError(try Recipe.attentionPatterns.make(StudyRuns(folders: [folder]))) { error in
            XCTAssertEqual(error as? RecipeError, .badInput(path: folder + "/" + name, reason:
                "array '\(name)' holds nan at index [0, 0, 0]; a figure cannot draw it, check the run (did training diverge?) and run `rederive analyze` again"))
        }
    }

    /// A damaged summary.json gave Foundation's own error text; now a sentence with what to do.
    func testDamagedSummaryIsASentence() throws {
        let folder = try analysis(replacing: "dla.npy", with: Tensor(shape: [1, 8], repeating: 0), as: "summary")
        try AtomicFile.write(Array("{\"step\": 3}".utf8), to: folder + "/summary.json")
        XCTAssertThrowsError(try StudyRuns(folders: [folder])) { error in
            XCTAssertTrue("\(error)".hasPrefix(folder + "/summary.json: the analysis summary is damaged (no '"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("); run `rederive analyze` on the run again"), "\(error)")
        }
    }

    /// An array of another shape than the run's model gives is refused, not drawn.
    func testWrongShapeIsRefused() throws {
        let name = "attention.L0.pattern.npy"
        let folder = try analysis(replacing: name, with: Tensor(shape: [1, 8, 7], repeating: 0.1), as: "shape")
        XCTAssertThrowsError(try Recipe.attentionPatterns.make(StudyRuns(folders: [folder]))) { error in
            XCTAssertEqual("\(error)", folder + "/" + name + ": array '\(name)' has shape [1, 8, 7], but this run's model gives [1, 8, 8]; "
                           + "the analysis does not belong to this run or is damaged, run `rederive analyze` again")
        }
    }
}

/// The mean, restated here so the test does not depend on the recipes' helper.
enum RecipeSupportProbe {
    static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}

