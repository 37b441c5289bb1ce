import Foundation
import XCTest
import Analysis
import AtomicFiles
import Tensor
import Transformer

/// The analysis folder as one contract: every array the analysis writes is a case that reads
/// back with the shape it states, a missing, misshapen or non-finite array or an older summary
/// is refused naming what was expected, and the derived metrics in the summary are the ones
/// their definitions give.
final class AnalysisFolderTests: XCTestCase {
    static let scratch = NSTemporaryDirectory() + "rederive-analysis-folder-tests-\(getpid())"
    static let model = ModelConfig(nLayers: 2, dModel: 16, nHeads: 2, dHead: 8, dMLP: 32, dVocab: 11, nCtx: 7)
    static var analysis: String { scratch + "/analysis" }

    override class func setUp() {
        super.setUp()
        var settings = AnalysisSettings()
        settings.evalSequences = 12
        settings.ablationSequences = 2
        settings.probes.logistic.iterations = 10
        do {
            let run = RunFolder(scratch + "/run")
            try run.create()
            let config = TrainingConfig(model: model, batch: 4, steps: 10, lr: 1e-3)
            let checkpoint = Checkpoint(model: Model(config: model, seed: 3), config: config, step: 10, loss: 1, optimizerFile: nil)
            try checkpoint.write(to: run.checkpointPath(step: 10))
            try checkpoint.write(to: run.modelPath)
            try AtomicFile.write(Array("step,loss,eval_loss\n5,2.5,1\n10,0.1,1\n".utf8), to: run.logPath)
            try RunAnalysis.run(run.path, into: analysis, settings: settings)
        } catch {
            XCTFail("setting up the analysis failed: \(error)")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
        super.tearDown()
    }

    /// Every float array of the analysis of `model`, as the folder's cases name them.
    static func floatArrays(_ model: ModelConfig) -> [AnalysisFolder.Array] {
        var arrays: [AnalysisFolder.Array] = [.lossByPosition, .dla, .attentionAblationByPosition, .logitLensLoss, .logitLensAccuracy]
        for stream in HookName.residualStreams(model) {
            arrays += [.pcaProjection(stream), .pcaComponents(stream), .pcaPositionMeanProjection(stream)]
        }
        for l in 0..<model.nLayers {
            arrays += [.pattern(layer: l), .mlpActivation(layer: l), .mlpFiring(layer: l)]
            for h in 0..<model.nHeads {
                let head = HeadID(layer: l, head: h)
                arrays += [.qkTokens(head), .qkPositions(head), .ovTokens(head), .ovMLP0(head)]
            }
        }
        return arrays
    }

    /// A copy of the analysis to damage.
    private func copy(_ name: String) throws -> String {
        let folder = Self.scratch + "/" + name
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.copyItem(atPath: Self.analysis, toPath: folder)
        return folder
    }

    func testEveryArrayWrittenIsACaseAndReadsWithItsShape() throws {
        let folder = try AnalysisFolder(reading: Self.analysis)
        let arrays = Self.floatArrays(Self.model)
        XCTAssertEqual(Set(arrays.map(\.fileName) + [AnalysisFolder.Array.tokens.fileName]), Set(folder.summary.files))
        for array in arrays {
            let tensor = try folder.array(array)
            XCTAssertEqual(tensor.shape.count, array.shape(Self.model).count, "\(array)")
            for (extent, expected) in zip(tensor.shape, array.shape(Self.model)) where expected != nil {
                XCTAssertEqual(extent, expected, "\(array)")
            }
        }
        // NaN is a value of the loss by position (BOS has no target), not damage.
        XCTAssertTrue(try folder.array(.lossByPosition).scalars[0].isNaN)
        XCTAssertEqual(AnalysisFolder.Array.ovTokens(HeadID(layer: 1, head: 0)).fileName, "circuits.L1H0.ov_tokens.npy")
        XCTAssertEqual(AnalysisFolder.Array.pcaProjection(.residMid(0)).fileName, "pca.blocks.0.hook_resid_mid.projection.npy")
    }

    func testMissingArrayIsNamedWithItsShape() throws {
        let folder = try copy("missing")
        let name = "circuits.L1H1.qk_positions.npy"
        try FileManager.default.removeItem(atPath: folder + "/" + name)
        XCTAssertThrowsError(try AnalysisFolder(reading: folder).array(.qkPositions(HeadID(layer: 1, head: 1)))) { error in
            XCTAssertEqual(error as? AnalysisFolderError, AnalysisFolderError(path: folder + "/" + name, reason:
                "array '\(name)' of shape [7, 7] is missing: an older version of Rederive wrote this analysis, or it was cut short; run `rederive analyze` again"))
        }
    }

    func testMisshapenArrayIsNamedWithTheShapeExpected() throws {
        let folder = try copy("shape")
        let name = "mlp1.firing_by_position.npy"
        try NumpyFile.write(.float32(Tensor(shape: [7, 31], repeating: 0.5)), to: folder + "/" + name)
        XCTAssertThrowsError(try AnalysisFolder(reading: folder).array(.mlpFiring(layer: 1))) { error in
            XCTAssertEqual("\(error)", folder + "/" + name + ": array '\(name)' has shape [7, 31], but this run's model gives [7, 32]; "
                           + "the analysis does not belong to this run or is damaged, run `rederive analyze` again")
        }
    }

    func testNonFiniteArrayIsRefused() throws {
        let folder = try copy("infinite")
        let name = "dla.npy"
        var dla = try NumpyFile.readTensor(folder + "/" + name)
        dla.scalars[3] = .infinity
        try NumpyFile.write(.float32(dla), to: folder + "/" + name)
        XCTAssertThrowsError(try AnalysisFolder(reading: folder).array(.dla)) { error in
            XCTAssertTrue("\(error)".hasPrefix(folder + "/" + name + ": array '\(name)' holds inf at index [0, 3]"), "\(error)")
        }
    }

    /// A summary without the fields this version derives (a folder of an older Rederive) says so.
    func testSummaryOfAnOlderVersionIsRefusedAsSuch() throws {
        let folder = try copy("older")
        let path = folder + "/" + AnalysisFolder.summaryFile
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(AtomicFile.read(path))) as? [String: Any])
        object["compositionMaxima"] = nil
        try AtomicFile.write(Array(JSONSerialization.data(withJSONObject: object)), to: path)
        XCTAssertThrowsError(try AnalysisFolder(reading: folder)) { error in
            XCTAssertEqual("\(error)", path + ": the analysis summary is damaged (no 'compositionMaxima' at the top level: an older version "
                           + "of Rederive wrote it, or it was cut short); run `rederive analyze` on the run again")
        }
    }

    /// The metrics the summary derives are their definitions applied to the arrays beside them.
    func testDerivedMetricsAreTheirDefinitions() throws {
        let folder = try AnalysisFolder(reading: Self.analysis)
        for head in folder.summary.heads {
            let id = HeadID(layer: head.layer, head: head.head)
            XCTAssertEqual(head.copying, WeightCircuits.copyingShare(ovTokens: try folder.array(.ovTokens(id))), "\(id)")
            let pattern = try folder.array(.pattern(layer: head.layer))[slice: head.head]
            XCTAssertEqual(head.scores, AttentionScores(meanPattern: pattern), "\(id)")
            XCTAssertEqual(head.kBack, KBackScore(meanPattern: pattern, k: 2), "\(id)")
            XCTAssertEqual(head.role, HeadRole(scores: head.scores, kBack: head.kBack), "\(id)")
        }
        let composition = folder.summary.composition
        XCTAssertEqual(composition.count, 4 * 3)
        XCTAssertEqual(folder.summary.compositionMaxima.map(\.kind), [.q, .k, .v])
        for best in folder.summary.compositionMaxima {
            XCTAssertEqual(best.score, composition.filter { $0.kind == best.kind }.map(\.score).max())
        }
    }

    func testHeadRoleIsTheStrongestKeyFromFortyPercent() {
        func scores(_ previous: Double, _ current: Double, _ bos: Double) -> AttentionScores {
            var s = AttentionScores(meanPattern: Tensor(shape: [2, 2], repeating: 0))
            (s.previousToken, s.currentToken, s.bos) = (previous, current, bos)
            return s
        }
        XCTAssertNil(HeadRole(scores: scores(0.39, 0.3, 0.31), kBack: nil))
        XCTAssertEqual(HeadRole(scores: scores(0.4, 0.3, 0.3), kBack: nil)?.kind, .previousToken)
        XCTAssertEqual(HeadRole(scores: scores(0.2, 0.5, 0.5), kBack: nil)?.kind, .currentToken)   // a tie: the earlier kind
        let kBack = KBackScore(meanPattern: Tensor(shape: [4, 4], generating: { $0 / 4 - $0 % 4 == 2 ? 1 : 0 }), k: 2)
        XCTAssertEqual(kBack?.score, 1)
        XCTAssertEqual(HeadRole(scores: scores(0, 0, 0.3), kBack: kBack), HeadRole(scores: scores(0, 0, 0.3), kBack: kBack))
        XCTAssertEqual(HeadRole(scores: scores(0, 0, 0.3), kBack: kBack)?.kind, .kBack)
        XCTAssertNil(KBackScore(meanPattern: Tensor(shape: [2, 2], repeating: 0), k: 2))
    }

    /// The training log the folder keeps is read by the one parser of the log's CSV.
    func testLossCurveAndItsErrors() throws {
        let folder = try copy("log")
        let curve = try AnalysisFolder(reading: folder).lossCurve()
        XCTAssertEqual(curve.steps, [5, 10])
        XCTAssertEqual(curve.loss, [2.5, 0.1])
        let log = folder + "/" + AnalysisFolder.trainingLogFile
        try AtomicFile.write(Array("step,loss\n5,2.5\n10,x\n".utf8), to: log)
        XCTAssertThrowsError(try AnalysisFolder(reading: folder).lossCurve()) { error in
            XCTAssertEqual("\(error)", log + ": line 3 is not a row of numbers")
        }
        try AtomicFile.write(Array("step,eval_loss\n5,2.5\n".utf8), to: log)
        XCTAssertThrowsError(try AnalysisFolder(reading: folder).lossCurve()) { error in
            XCTAssertEqual("\(error)", log + ": expected a CSV header with 'step' and 'loss'")
        }
        XCTAssertEqual(TrainingLog.columns(["loss"], of: "step,loss\n1,2\n3\n")?.map(\.line), [2, 3])
        XCTAssertNil(TrainingLog.columns(["loss"], of: "step,loss\n1,2\n3\n")?[1].fields)
    }
}
