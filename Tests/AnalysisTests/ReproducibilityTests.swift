import XCTest
import Foundation
import Analysis
import Pipeline
import Tensor
import Transformer

/// Same inputs, same bytes: training and analysis through every kernel path this CPU supports,
/// at several thread counts, give identical files; and a tiny run gives the committed hashes,
/// which is what makes a CI run on another machine check identity across machines.
final class ReproducibilityTests: XCTestCase {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `Configs/tiny.yaml` trained for `goldenSteps` steps on one thread, then analysed: the
    /// SHA-256 of its final checkpoint and of the analysis' summary.json, as computed on the
    /// machine that made the committed figures. A CPU, thread count or library that changes a
    /// single bit of the numerics changes these.
    static let goldenSteps = 300
    static let goldenCheckpointSHA256 = "b5202aeb5556203dd8d5f0339d4aeb58d9bf696c672f7fe0ac944715161f1cf8"
    // The summary moved on 2026-12-07: the ridge probe accumulates in double, and the analysis
    // writes the logit lens; then it gained the derived metrics (each head's copying share,
    // k-back score and role, the composition maxima), every earlier field byte-identical.
    static let goldenSummarySHA256 = "8efc737ff132d8d87ede542dba085afdc99735c987c7894a5b1cbfa2d3f5b78e"

    var savedPath = KernelPath.current
    var savedThreads = ComputeThreads.count

    override func setUp() {
        savedPath = KernelPath.current
        savedThreads = ComputeThreads.count
    }

    override func tearDown() {
        try? KernelPath.select(savedPath)
        ComputeThreads.count = savedThreads
    }

    func scratchFolder() -> String {
        let path = NSTemporaryDirectory() + "rederive-repro-\(UUID().uuidString)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Trains `config` into `folder/run` and analyses it into `folder/analysis`; returns the
    /// SHA-256 of every file written, by relative path.
    func trainAndAnalyse(_ config: TrainingConfig, path: KernelPath, threads: Int, into folder: String,
                         settings: AnalysisSettings) throws -> [String: String] {
        try KernelPath.select(path)
        ComputeThreads.count = threads
        let trainer = Trainer(config: config, folder: folder + "/run", threads: threads, progress: Progress(style: .silent))
        trainer.recordsThroughput = false
        trainer.shouldStop = { false }
        _ = try trainer.run(resume: false)
        _ = try RunAnalysis.run(folder + "/run", into: folder + "/analysis", settings: settings)
        var hashes: [String: String] = [:]
        let files = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
        for file in files.sorted() {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + file, isDirectory: &isFolder)
            if isFolder.boolValue { continue }
            hashes[file] = try sha256(ofFile: folder + "/" + file)
        }
        return hashes
    }

    func sha256(ofFile path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return SHA256.hex([UInt8](data))
    }

    func loadConfig(_ relativePath: String) throws -> TrainingConfig {
        try ConfigLoader.load(yamlFile: Self.packageRoot + "/" + relativePath)
    }

    /// The smoke pipeline's two configs (a third of their steps), trained and analysed through
    /// every supported kernel path at 1, 2 and 3 threads.
    func testSmokeConfigsGiveIdenticalBytesOnEveryKernelPathAndThreadCount() throws {
        var settings = AnalysisSettings()
        settings.evalSequences = 64
        for name in ["Configs/smoke/study.yaml", "Configs/smoke/attn-only.yaml"] {
            var config = try loadConfig(name)
            config.steps = 100
            var reference: (label: String, hashes: [String: String])?
            for path in KernelPath.supported {
                for threads in [1, 2, 3] {
                    let label = "\(name) on \(path.rawValue) with \(threads) threads"
                    let hashes = try trainAndAnalyse(config, path: path, threads: threads, into: scratchFolder(), settings: settings)
                    XCTAssertGreaterThan(hashes.count, 20, label)
                    guard let reference else { reference = (label, hashes); continue }
                    XCTAssertEqual(Set(hashes.keys), Set(reference.hashes.keys), label)
                    for (file, hash) in hashes where reference.hashes[file] != hash {
                        XCTFail("\(file) differs between \(reference.label) and \(label)")
                    }
                }
            }
        }
    }

    /// The committed golden hashes: the same bytes as on the machine that made the figures.
    func testTinyRunMatchesTheCommittedHashes() throws {
        var config = try loadConfig("Configs/tiny.yaml")
        config.steps = Self.goldenSteps
        var settings = AnalysisSettings()
        settings.evalSequences = 64
        let hashes = try trainAndAnalyse(config, path: KernelPath.supported.last ?? .portable, threads: 1,
                                         into: scratchFolder(), settings: settings)
        XCTAssertEqual(hashes["run/model.safetensors"], Self.goldenCheckpointSHA256,
                       "the tiny run's checkpoint is not the committed one: the numerics changed, or depend on this machine")
        XCTAssertEqual(hashes["analysis/summary.json"], Self.goldenSummarySHA256,
                       "the tiny run's analysis is not the committed one")
    }

    func testUnknownOrUnsupportedKernelPathIsAClearError() {
        XCTAssertThrowsError(try KernelPath.configure(environment: ["REDERIVE_KERNELS": "sse9"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("REDERIVE_KERNELS=sse9"), text)
            XCTAssertTrue(text.contains("portable"), text)
        }
        for path in KernelPath.allCases where !path.isSupported {
            XCTAssertThrowsError(try KernelPath.select(path)) { error in
                XCTAssertTrue("\(error)".contains("lacks"), "\(error)")
            }
        }
        XCTAssertNoThrow(try KernelPath.configure(environment: ["REDERIVE_KERNELS": "portable"]))
        XCTAssertEqual(KernelPath.current, .portable)
    }
}
