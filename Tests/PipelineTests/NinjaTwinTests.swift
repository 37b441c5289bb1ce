import Pipeline
import XCTest

/// The stage graph written as `build.ninja` for `bench make`'s side-by-side with ninja.
final class NinjaTwinTests: XCTestCase {
    func testEveryStageIsOneEdgeFromItsInputsAndFolderOutputsStandInAsDoneFiles() throws {
        let project = try TestProject("""
        stages:
          train:
            cmd: mkdir -p "$OUT" && cp configs/a.txt "$OUT/model.txt"
            matrix: {seed: [0, 1]}
            inputs: [configs/a.txt]
            outputs: ["artifacts/runs/${name}/"]
          figure:
            cmd: cat "artifacts/runs/train@seed=0/model.txt" > "$OUT"
            inputs: ["artifacts/runs/train@seed=0/model.txt", "stage:train@seed=1"]
            outputs: ["Figures/a b:c.txt"]
        """, files: ["configs/a.txt": "a\n"])
        let twin = NinjaTwin(try Project(root: project.root, pipelineFile: project.pipelinePath).load(registry: project.registry))
        let edges = twin.text.split(separator: "\n").filter { $0.hasPrefix("build ") }
        XCTAssertEqual(edges, [
            "build artifacts/runs/train@seed=0/.done: touch configs/a.txt",
            "build artifacts/runs/train@seed=1/.done: touch configs/a.txt",
            // A file inside a folder output depends on that output; ninja's escapes for ' ' and ':'.
            "build Figures/a$ b$:c.txt: touch artifacts/runs/train@seed=0/.done artifacts/runs/train@seed=1/.done",
        ])
        XCTAssertEqual(twin.sources, ["configs/a.txt"])
    }
}
