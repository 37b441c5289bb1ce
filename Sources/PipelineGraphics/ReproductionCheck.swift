import Pipeline
import Foundation
import Plot
import AtomicFiles
import Tensor

/// `rederive check`: regenerate a pipeline from its sources in a scratch folder and compare every
/// committed output (everything outside the artifact folder, e.g. `Figures/`) with its twin.
///
/// - PNGs are compared as decoded pixels: exactly, or by RMS over 0–255 (matplotlib's measure;
///   pytest-mpl's default tolerance is 2).
/// - PDFs: exactly byte for byte, or rasterised with `pdftoppm` and compared like PNGs.
/// - Text (captions, galleries): exactly, or with the numbers in it compared to a relative 1e-2.
/// - Figure data (`NAME.data.json`): exactly, or number by number with `relativeTolerance` and
///   `absoluteTolerance`. A figure whose pixels differ is explained by its data: what moved, or
///   "pixels only" when the data agree. `dataOnly` judges figures by their data alone.
/// - `.npy` arrays in the artifact folders, when the project has a local build of them too,
///   with `relativeTolerance` and `absoluteTolerance` (tolerant and data modes).
public struct ReproductionCheck {
    public struct Options: Sendable {
        /// Exact: same pixels and same PDF bytes. Otherwise tolerant, by `tolerance` RMS.
        public var exact = false
        /// Judge figures by their data files and captions by their numbers, whatever the pixels
        /// (for CI on another system's Cairo or fonts).
        public var dataOnly = false
        public var tolerance = 2.0
        public var relativeTolerance = 1e-3
        public var absoluteTolerance = 1e-5
        /// Where to regenerate (default: a new temporary folder, removed afterwards).
        public var scratch: String?
        /// Where to write the report (default: `<artifacts>/check-report` of the project).
        public var report: String?
        public var jobs = 1
        public var overrides: [ParamOverride] = []
        public init() {}
    }

    /// The verdict on one committed file.
    public struct Comparison: Sendable, Equatable {
        public enum Verdict: Sendable, Equatable {
            case match
            case withinTolerance
            case differs(String)
            case missingBaseline
            case missingRegenerated
            case unreadable(String)
            /// The image differs (`detail`) but its data agree: a different Cairo, pixman or font.
            case pixelsOnly(String, identicalData: Bool)

            /// The verdict in words, for the terminal and the report ("pixels differ (RMS 0.8)").
            public var sentence: String {
                switch self {
                case .match: "identical"
                case .withinTolerance: "within tolerance"
                case .differs(let why): why
                case let .pixelsOnly(detail, identical):
                    "differs in pixels only: the data are \(identical ? "identical" : "within tolerance") (\(detail); a different Cairo, pixman or font would do this)"
                case .missingBaseline: "no committed file to compare with"
                case .missingRegenerated: "the regeneration did not write it"
                case .unreadable(let why): "cannot be read: \(why)"
                }
            }
        }
        /// Project-relative path.
        public var path: String
        public var verdict: Verdict
        /// RMS over 0–255 for images (the largest over pages for a PDF).
        public var rms: Double?
        /// Report-relative paths of the images shown side by side: the baseline, the new one and
        /// their difference (check), or the overlay of both versions' data (diff).
        public var images: [String] = []
        /// What moved in the figure's data, largest first (its data file's changes).
        public var changes: [String] = []
        /// The figure's data file, when its changes explain this file.
        public var dataFile: String?
        /// Whether a pixel-only difference passes (data mode).
        public var acceptsPixelsOnly = false

        public init(path: String, verdict: Verdict, rms: Double? = nil) {
            self.path = path
            self.verdict = verdict
            self.rms = rms
        }

        public var passed: Bool {
            switch verdict {
            case .match, .withinTolerance: true
            case .pixelsOnly: acceptsPixelsOnly
            default: false
            }
        }
    }

    public struct Result: Sendable {
        /// Failures first, then in path order.
        public var comparisons: [Comparison]
        /// Which files were compared, and why those ("13 files: ...").
        public var fileSet: String
        /// Said once: e.g. that the baseline has no data files, so figures were compared by pixels.
        public var notes: [String] = []
        public var reportPath: String
        /// The regeneration's own failure, if the pipeline did not build.
        public var buildFailure: String?
        public var passed: Bool { buildFailure == nil && comparisons.allSatisfy(\.passed) }
    }

    public let project: Project
    public let options: Options

    public init(project: Project, options: Options) {
        self.project = project
        self.options = options
    }

    public func run(registry: StageRegistry, console: Console) throws(PipelineError) -> Result {
        let pipeline = try project.load(overrides: options.overrides, registry: registry)
        let report = CheckScratch.absolute(options.report ?? project.absolute(pipeline.artifacts) + "/check-report")
        // Both folders are checked before anything is written: a refusal changes nothing.
        try CheckScratch.refuseProtected(report, project: project, what: "--report")
        try CheckReportFolder.requireReplaceable(report)
        let scratch = try CheckScratch.prepare(options.scratch, project: project, pipeline: pipeline)
        defer { if scratch.isTemporary { AtomicFile.remove(scratch.path) } }
        let redirects = try scratch.copySources(of: pipeline, project: project)

        console.line("regenerating \(project.name) in \(scratch.path)")
        var makeOptions = MakeOptions()
        makeOptions.jobs = options.jobs
        makeOptions.overrides = options.overrides
        makeOptions.inputRedirects = redirects
        let scratchPipeline = scratch.path + "/" + relative(project.pipelineFile)
        let made = try PipelineCommands.make([scratchPipeline], options: makeOptions, registry: registry, console: console, directory: scratch.path)
        var buildFailure: String?
        if made.exitCode != 0 {
            buildFailure = made.failed.map { "stage \($0.stage) failed: \($0.message)" }.joined(separator: "; ")
            if buildFailure?.isEmpty ?? true { buildFailure = made.interrupted ? "interrupted" : "the pipeline did not build" }
        }
        // The report is built beside its place and swapped in whole, marked as check's.
        let building: String
        do { building = try AtomicFile.beginFolder(report) } catch {
            throw PipelineError(.io, at: nil, error.summary, hint: error.advice)
        }
        let declared = committedOutputs(of: pipeline)
        let data = compareData(declared, newRoot: scratch.path)
        // A data file the baseline lacks (made before figures recorded their data) is the note below, not a failure.
        let outputs = declared.filter { data[$0] != .noBaseline }
        var comparisons = outputs.map { path in
            // In data mode a figure with data files is judged by them, its pixels only reported;
            // one without (an old baseline) falls back to the tolerant pixel comparison.
            let twin = FigureData.path(besideFigure: path).flatMap { data[$0] }
            let strict = options.exact || (options.dataOnly && twin != nil && twin != .noBaseline)
            return explained(compare(path, baselineRoot: project.root, newRoot: scratch.path, report: building, strict: strict), by: data)
        }
        var arrays = [Comparison]()
        if !options.exact {
            arrays = compareArrays(of: pipeline, newRoot: scratch.path)
        } else {
            // Same machine, same seeds: the lock file must come out byte-identical too.
            let lock = relative(project.lockPath)
            comparisons.append(compareBytes(lock, baseline: project.root + "/" + lock, new: scratch.path + "/" + lock))
        }
        var result = Result(comparisons: Self.failuresFirst(comparisons + arrays),
                            fileSet: fileSet(outputs: outputs.count, arrays: arrays.count, artifacts: pipeline.artifacts),
                            reportPath: report + "/index.html", buildFailure: buildFailure)
        let withoutData = outputs.filter { path in FigureData.path(besideFigure: path).map { data[$0] == nil || data[$0] == .noBaseline } ?? false }
        if !withoutData.isEmpty {
            result.notes.append("\(withoutData.count) figure files have no committed data file (a baseline made before figures recorded their data, "
                                + "or a stage that does not declare NAME.data.json): they are compared by pixels only; commit the data files `rederive make` writes to compare by data")
        }
        let html = ReproductionReport.html(result, pipeline: project.name, options: options)
        do {
            try AtomicFile.write(Array(html.utf8), to: building + "/index.html")
            try AtomicFile.commitFolder(building, to: report, as: .checkReport, replacingUnmarked: CheckReportFolder.isLegacyReport(report))
        } catch {
            AtomicFile.remove(building)
            throw PipelineError(.io, at: nil, error.summary, hint: error.advice)
        }
        return result
    }

    /// Failing comparisons first, each group in its own order.
    static func failuresFirst(_ comparisons: [Comparison]) -> [Comparison] {
        comparisons.filter { !$0.passed } + comparisons.filter(\.passed)
    }

    /// Which files this mode compares, and why those.
    func fileSet(outputs: Int, arrays: Int, artifacts: String) -> String {
        let committed = "the \(outputs) outputs the repository commits (everything outside \(artifacts))"
        if options.exact {
            return "\(outputs + 1) files: \(committed) and the lock file, which must come out byte-identical on the same machine; "
                + "arrays in \(artifacts) are not compared, since their hashes are in the lock"
        }
        let tolerances = "rtol \(options.relativeTolerance), atol \(options.absoluteTolerance)"
        let mode = options.dataOnly ? "figures judged by their data and captions by their numbers (\(tolerances))"
            : "images by RMS ≤ \(options.tolerance), figure data and arrays with \(tolerances)"
        return "\(outputs + arrays) files: \(committed) and the \(arrays) .npy arrays in \(artifacts) that this machine has built too; "
            + "\(mode); the lock file is not compared, since another machine's bytes may differ"
    }

    // MARK: Regenerating

    func relative(_ path: String) -> String {
        path.hasPrefix(project.root + "/") ? String(path.dropFirst(project.root.count + 1)) : path
    }

    /// Outputs outside the artifact folder: what the repository commits.
    func committedOutputs(of pipeline: Pipeline) -> [String] {
        let artifacts = pipeline.artifacts.hasSuffix("/") ? pipeline.artifacts : pipeline.artifacts + "/"
        return pipeline.stages.flatMap(\.outputs).map { relative($0.path) }
            .filter { !$0.hasPrefix(artifacts) && !$0.hasPrefix(project.absolute(artifacts)) }
            .sorted()
    }

    // MARK: Comparing

    /// Each committed data file compared with its regenerated twin, by project-relative path.
    func compareData(_ outputs: [String], newRoot: String) -> [String: DataComparison] {
        let tolerant = options.exact ? FigureDataDiff() : FigureDataDiff(relativeTolerance: options.relativeTolerance, absoluteTolerance: options.absoluteTolerance)
        var compared: [String: DataComparison] = [:]
        for path in outputs where path.hasSuffix(FigureData.suffix) {
            compared[path] = DataComparison.files(baseline: project.root + "/" + path, new: newRoot + "/" + path, name: path, diff: tolerant)
        }
        return compared
    }

    /// `comparison` of a figure image or data file, explained by the figure's data: what moved,
    /// or that only the pixels differ. In data mode the data decide whether a figure passes.
    func explained(_ comparison: Comparison, by data: [String: DataComparison]) -> Comparison {
        var c = comparison
        let isData = c.path.hasSuffix(FigureData.suffix)
        guard let twin = isData ? c.path : FigureData.path(besideFigure: c.path), let state = data[twin] else { return c }
        c.acceptsPixelsOnly = options.dataOnly
        switch state {
        case .agree(let identical):
            if isData { c.verdict = identical ? .match : (options.exact ? .differs("the bytes differ") : .withinTolerance) }
            else if case .differs(let detail) = c.verdict { c.verdict = .pixelsOnly(detail, identicalData: identical) }
        case .changed(let changes, _, _):
            c.changes = changes
            c.dataFile = twin
            if isData || options.dataOnly { c.verdict = DataComparison.differs(changes) }
        case .unreadable(let why):
            if isData || options.dataOnly { c.verdict = .unreadable(why) } else { c.changes = ["its data file cannot be read: \(why)"] }
        case .noBaseline, .noNew:
            break  // compared by pixels (noted once), or reported missing as a file of its own
        }
        return c
    }

    /// `strict`: identical pixels and PDF bytes (exact mode, or a figure data mode judges by its data).
    func compare(_ path: String, baselineRoot: String, newRoot: String, report: String, strict: Bool) -> Comparison {
        let (baseline, new) = (baselineRoot + "/" + path, newRoot + "/" + path)
        let manager = FileManager.default
        guard manager.fileExists(atPath: baseline) else { return Comparison(path: path, verdict: .missingBaseline) }
        guard manager.fileExists(atPath: new) else { return Comparison(path: path, verdict: .missingRegenerated) }
        if path.hasSuffix(FigureData.suffix) { return Comparison(path: path, verdict: .match) }  // judged by `explained`
        switch (path as NSString).pathExtension.lowercased() {
        case "png":
            do {
                return try compareImages(path, [Raster.readPNG(baseline)], [Raster.readPNG(new)], report: report, strict: strict)
            } catch {
                return Comparison(path: path, verdict: .unreadable("\(error)"))
            }
        case "pdf":
            let same = manager.contentsEqual(atPath: baseline, andPath: new)
            if strict || same {
                return Comparison(path: path, verdict: same ? .match : .differs("the PDF bytes differ"))
            }
            do {
                return try compareImages(path, PDFRasterizer.pages(baseline), PDFRasterizer.pages(new), report: report, strict: strict)
            } catch {
                return Comparison(path: path, verdict: .unreadable("\(error)"))
            }
        default:
            return compareText(path, baseline: baseline, new: new)
        }
    }

    func compareImages(_ path: String, _ baseline: [Raster], _ new: [Raster], report: String, strict: Bool) -> Comparison {
        guard baseline.count == new.count else {
            return Comparison(path: path, verdict: .differs("\(baseline.count) pages committed, \(new.count) regenerated"))
        }
        var worst = 0.0, worstPage = 0, exactPixels = true
        for (page, (a, b)) in zip(baseline, new).enumerated() {
            guard let rms = a.rms(to: b) else {
                return withDiff(Comparison(path: path, verdict: .differs("size \(a.width)x\(a.height) committed, \(b.width)x\(b.height) regenerated")),
                                a, b, report: report)
            }
            if a.rgba != b.rgba { exactPixels = false }
            if rms > worst { (worst, worstPage) = (rms, page) }
        }
        if exactPixels { return Comparison(path: path, verdict: .match, rms: 0) }
        let verdict: Comparison.Verdict = strict
            ? .differs("pixels differ (RMS \(String(format: "%.3f", worst)))")
            : (worst <= options.tolerance ? .withinTolerance : .differs(String(format: "RMS %.3f > tolerance %.3g", worst, options.tolerance)))
        let comparison = Comparison(path: path, verdict: verdict, rms: worst)
        return comparison.passed ? comparison : withDiff(comparison, baseline[worstPage], new[worstPage], report: report)
    }

    /// Writes the baseline, the new image and their difference into the report, as three
    /// images the page shows side by side (or stacked, on a narrow window).
    func withDiff(_ comparison: Comparison, _ baseline: Raster, _ new: Raster, report: String) -> Comparison {
        var result = comparison
        let name = comparison.path.replacingOccurrences(of: "/", with: "_")
        let triptych = ImageDifference.triptych(baseline: baseline, new: new)
        let width = max(baseline.width, new.width)
        let difference = Self.crop(triptych, from: triptych.width - width, width: width)
        for (part, raster) in [("baseline", baseline), ("new", new), ("diff", difference)] {
            guard let bytes = try? raster.pngBytes(), (try? AtomicFile.write(bytes, to: report + "/\(name).\(part).png")) != nil else { return result }
        }
        result.images = ["baseline", "new", "diff"].map { "\(name).\($0).png" }
        return result
    }

    /// Columns `from ..< from + width` of `raster`.
    static func crop(_ raster: Raster, from x0: Int, width: Int) -> Raster {
        var rgba = [UInt8]()
        rgba.reserveCapacity(width * raster.height * 4)
        for y in 0..<raster.height {
            let start = (y * raster.width + x0) * 4
            rgba += raster.rgba[start..<(start + width * 4)]
        }
        return Raster(width: width, height: raster.height, rgba: rgba)
    }

    /// `path` (project-relative, for the report) compared byte for byte at `baseline` and `new`.
    func compareBytes(_ path: String, baseline: String, new: String) -> Comparison {
        guard FileManager.default.fileExists(atPath: baseline) else { return Comparison(path: path, verdict: .missingBaseline) }
        guard FileManager.default.fileExists(atPath: new) else { return Comparison(path: path, verdict: .missingRegenerated) }
        return Comparison(path: path, verdict: FileManager.default.contentsEqual(atPath: baseline, andPath: new) ? .match : .differs("the bytes differ"))
    }

    /// Text compared exactly, or (tolerant) with numbers within a relative 1e-2.
    func compareText(_ path: String, baseline: String, new: String) -> Comparison {
        guard let a = try? String(contentsOfFile: baseline, encoding: .utf8),
              let b = try? String(contentsOfFile: new, encoding: .utf8) else {
            return compareBytes(path, baseline: baseline, new: new)
        }
        if a == b { return Comparison(path: path, verdict: .match) }
        if options.exact { return Comparison(path: path, verdict: .differs("the text differs")) }
        let (wordsA, numbersA) = NumericText.split(a), (wordsB, numbersB) = NumericText.split(b)
        guard wordsA == wordsB, numbersA.count == numbersB.count else {
            return Comparison(path: path, verdict: .differs("the text differs"))
        }
        // Data mode: the data's tolerances; tolerant mode: a relative 1e-2 (captions round).
        let (rtol, atol) = options.dataOnly ? (options.relativeTolerance, options.absoluteTolerance) : (1e-2, 1e-9)
        var changes: [String] = []
        for (i, (x, y)) in zip(numbersA, numbersB).enumerated() where abs(x - y) > rtol * max(abs(x), abs(y)) + atol {
            changes.append("number \(i + 1): \(FigureDataDiff.format(x)) → \(FigureDataDiff.format(y))")
        }
        if !changes.isEmpty {
            var c = Comparison(path: path, verdict: .differs("\(changes.count) number\(changes.count == 1 ? "" : "s") changed"))
            c.changes = changes
            return c
        }
        return Comparison(path: path, verdict: .withinTolerance)
    }

    /// `.npy` files in the artifact folder of both builds, compared with tolerances.
    func compareArrays(of pipeline: Pipeline, newRoot: String) -> [Comparison] {
        let base = project.absolute(pipeline.artifacts)
        guard let files = FileManager.default.enumerator(atPath: base) else { return [] }
        var comparisons = [Comparison]()
        for case let file as String in files where file.hasSuffix(NumpyFile.suffix) {
            let newPath = newRoot + "/" + pipeline.artifacts + "/" + file
            guard FileManager.default.fileExists(atPath: newPath) else { continue }
            let path = pipeline.artifacts + "/" + file
            // Equal bytes are identical, NaN included (NaN != NaN as numbers).
            if FileManager.default.contentsEqual(atPath: base + "/" + file, andPath: newPath) {
                comparisons.append(Comparison(path: path, verdict: .match))
                continue
            }
            do {
                let (a, b) = (try NumpyFile.read(base + "/" + file), try NumpyFile.read(newPath))
                comparisons.append(Comparison(path: path, verdict: arraysAgree(a, b)))
            } catch {
                comparisons.append(Comparison(path: path, verdict: .unreadable("\(error)")))
            }
        }
        return comparisons.sorted { $0.path < $1.path }
    }

    func arraysAgree(_ a: NDArray, _ b: NDArray) -> Comparison.Verdict {
        if a == b { return .match }
        guard a.shape == b.shape else { return .differs("shape \(a.shape) became \(b.shape)") }
        guard let x = a.tensor, let y = b.tensor else { return .differs("integer values differ") }
        for i in 0..<x.count {
            let (p, q) = (Double(x.scalars[i]), Double(y.scalars[i]))
            if !(abs(p - q) <= options.absoluteTolerance + options.relativeTolerance * abs(q)) && !(p.isNaN && q.isNaN) {
                return .differs("element \(i): \(p) became \(q) (rtol \(options.relativeTolerance), atol \(options.absoluteTolerance))")
            }
        }
        return .withinTolerance
    }
}
