import Analysis
import Foundation
import Plot
import Recipes
import Tensor
import XCTest

/// The patching figure on the small study-design runs that `RecipesTests` patches: it draws the
/// main run's arrays, its caption quotes them, and a deck of analyses alone leaves it out.
extension RecipesTests {
    /// The main run's array as `rederive patch` wrote it, normalised.
    private func patched(_ sweep: String) throws -> Tensor {
        try NumpyFile.readTensor(Self.patchings[0] + "/\(sweep)_normalized.npy")
    }

    func testPatchingFigureDrawsTheMainRunAroundTheAnswer() throws {
        let output = try Recipe.activationPatching.make(runs())
        let panels = try XCTUnwrap(output.figure.grid.first)
        XCTAssertEqual(panels.count, 2)
        guard case .heatmap(let heatmap)? = panels[0].marks.first?.kind else { return XCTFail("the first panel is a heatmap") }
        // n_ctx 8: the answer at p = 4, the corrupted token at p − 1; shown from p − 3 to p + 1.
        XCTAssertEqual(heatmap.columnLabels, ["p−3", "p−2", "p−1", "p", "p+1"])
        XCTAssertEqual(heatmap.rowLabels, ["L0 resid_pre", "L0 attn_out", "L0 mlp_out", "L1 resid_pre", "L1 attn_out", "L1 mlp_out"])
        let attn = try patched("attn_out"), resid = try patched("resid_pre")
        XCTAssertEqual(heatmap.matrix.values[1 * 5 + 3], Double(attn[0, 4]))
        XCTAssertEqual(heatmap.matrix.values[0 * 5 + 2], Double(resid[0, 3]))
        XCTAssertEqual(resid[0, 3], 1, accuracy: 1e-5, "patching the corrupted token's own stream restores everything")
        XCTAssertEqual(heatmap.scale.norm, .centered(at: 0, halfRange: max(1, heatmap.matrix.values.map(abs).max() ?? 0)))
    }

    func testPatchingCaptionQuotesWhereTheAnswerIsRestored() throws {
        let caption = try Recipe.activationPatching.make(runs()).caption
        let attn = try patched("attn_out")
        let percent = { (x: Float) in String(format: "%.1f%%", 100 * Double(x)) }
        XCTAssertTrue(caption.hasPrefix("Only the token at p−1 differs (p = 4, 8 sequences;"), caption)
        XCTAssertTrue(caption.contains("Layer 0's attention output restores \(percent(attn[0, 4])) at p"), caption)
        let seed1 = try NumpyFile.readTensor(Self.patchings[1] + "/attn_out_normalized.npy")
        XCTAssertTrue(caption.contains(" and \(percent(attn[0, 3])) at p−1"), caption)
        XCTAssertTrue(caption.contains("(seeds 0, 1: \(percent(attn[0, 4])), \(percent(seed1[0, 4])) at p)"), caption)
        XCTAssertTrue(caption.contains("Strongest patch: blocks."), caption)
    }

    /// Analyses alone: the deck and `figure all` leave the patching figure out; asked for by
    /// name, it says what it needs.
    func testWithoutPatchingTheFigureIsLeftOutOrNamesWhatItNeeds() throws {
        let analyses = try StudyRuns(folders: Self.folders)
        XCTAssertFalse(Recipe.activationPatching.canDraw(analyses))
        XCTAssertFalse(try FigureWriter.draw(Recipe.all, runs: analyses).contains { $0.recipe.name == "activation_patching" })
        XCTAssertTrue(try FigureWriter.draw(Recipe.all, runs: runs()).contains { $0.recipe.name == "activation_patching" })
        XCTAssertThrowsError(try Recipe.activationPatching.make(analyses)) { error in
            XCTAssertEqual("\(error)", "figure 'activation_patching' needs the patching (`rederive patch`) of the study model's run with the lowest seed among its inputs")
        }
    }

    /// Patching of the user's own batch (no clean.npy beside it) is refused with what to do.
    func testPatchingWithoutTheTasksBatchIsRefused() throws {
        let folder = Self.scratch + "/patching-own-batch"
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.copyItem(atPath: Self.patchings[0], toPath: folder)
        try FileManager.default.removeItem(atPath: folder + "/clean.npy")
        XCTAssertThrowsError(try Recipe.activationPatching.make(StudyRuns(folders: Self.folders + [folder]))) { error in
            XCTAssertTrue("\(error)".hasPrefix(folder + "/clean.npy: "), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("patch with the task's own batch (no --clean, --corrupted, --answers)"), "\(error)")
        }
    }
}
