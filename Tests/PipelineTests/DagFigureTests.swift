import Foundation
import Pipeline
import PipelineGraphics
import Plot
import XCTest

final class DagFigureTests: XCTestCase {
    func testTheGraphIsDrawnAsPNGAndPDF() throws {
        let project = try TestProject("""
            stages:
              a:
                cmd: echo a > "$OUT"
                outputs: [artifacts/a.txt]
              b:
                cmd: cat "$IN" > "$OUT"
                inputs: [artifacts/a.txt]
                outputs: [artifacts/b.txt]
            """)
        let png = project.root + "/dag.png", pdf = project.root + "/dag.pdf"
        XCTAssertEqual(try PipelineCommands.dag([project.pipelinePath], format: .png, output: png, registry: project.registry, directory: project.root), "wrote \(png)\n")
        let raster = try Raster.readPNG(png)
        // Two columns of 3.2 in at 150 dpi; one row.
        XCTAssertEqual(raster.width, 960)
        // Something is drawn: dark pixels (the node dots and labels) on the white background.
        XCTAssert(raster.rgba.enumerated().contains { $0.offset % 4 == 0 && $0.element < 80 })
        _ = try PipelineCommands.dag([project.pipelinePath], format: .pdf, output: pdf, registry: project.registry, directory: project.root)
        XCTAssertEqual(String(decoding: try Data(contentsOf: URL(fileURLWithPath: pdf)).prefix(5), as: UTF8.self), "%PDF-")
    }
}
