import XCTest
import Plot

/// `NAME.data.json`: the numbers a figure draws, in canonical bytes, read back, and compared.
final class FigureDataTests: XCTestCase {
    private func figure(loss: [Double] = [3, .nan, 0.25], heat: [Double] = [0, 0.5, 1, -0.0]) -> Figure {
        let curve = Panel(title: "Training <i>loss</i>", xLabel: "step", yLabel: "loss",
                          marks: [.line(x: [0, 100, 200], y: loss, label: "study"), .hline(5.7, label: "uniform")],
                          yScale: .log, xLimits: 0...200, yLimits: 0.1...10)
        let map = Panel(title: "Attention", marks: [.heatmap(Matrix(rows: 2, columns: 2, values: heat))])
        var figure = Figure(size: .inches(4, 2), suptitle: "Study", grid: [[curve, map]])
        figure.caption = "Loss 0.25 after 200 steps."
        return figure
    }

    func testCanonicalBytes() throws {
        let data = try FigureData(figure())
        XCTAssertEqual(data.canonicalJSON, """
            {
              "format": "rederive figure data 1",
              "suptitle": "Study",
              "caption": "Loss 0.25 after 200 steps.",
              "caption_numbers": [0.25, 200],
              "panels": [
                {
                  "row": 0,
                  "column": 0,
                  "title": "Training loss",
                  "x": {"label": "step", "scale": "linear", "limits": [0, 200]},
                  "y": {"label": "loss", "scale": "log", "limits": [0.1, 10]},
                  "marks": [
                    {
                      "kind": "line",
                      "label": "study",
                      "x": [0, 100, 200],
                      "y": [3, "NaN", 0.25]
                    },
                    {
                      "kind": "hline",
                      "label": "uniform",
                      "value": [5.7]
                    }
                  ]
                },
                {
                  "row": 0,
                  "column": 1,
                  "title": "Attention",
                  "x": {"label": null, "scale": "linear", "limits": [-0.5, 1.5]},
                  "y": {"label": null, "scale": "linear", "limits": [-0.5, 1.5]},
                  "marks": [
                    {
                      "kind": "heatmap",
                      "label": null,
                      "values": {"shape": [2, 2], "values": [0, 0.5, 1, -0]},
                      "color_limits": [0, 1]
                    }
                  ]
                }
              ]
            }

            """)
    }

    func testNumbersTakeTheirShortestRoundTripSpelling() {
        let cases: [(Double, String)] = [(0.1, "0.1"), (3, "3"), (-0.0, "-0"), (1e-5, "1e-5"), (1.5e-7, "1.5e-7"),
                                         (1e20, "1e20"), (-2.5e300, "-2.5e300"), (Double(Float(0.1)), "0.1"), (Double(Float(1) / 3), "0.33333334"), (1.0 / 3, "0.3333333333333333"),
                                         (.nan, "\"NaN\""), (.infinity, "\"Infinity\""), (-.infinity, "\"-Infinity\"")]
        for (value, text) in cases {
            XCTAssertEqual(FigureData.number(value), text)
            // Values that are exactly a Float32 come back as that Float32; others exactly.
            if value.isFinite && Double(Float(value)) == value { XCTAssertEqual(Float(text), Float(value), text) }
            else if value.isFinite { XCTAssertEqual(Double(text)?.bitPattern, value.bitPattern, text) }
        }
    }

    func testReadingBackGivesTheSameBytes() throws {
        let text = try FigureData(figure()).canonicalJSON
        let read = try FigureData.parse(Array(text.utf8), path: "a.data.json")
        XCTAssertEqual(read.canonicalJSON, text)
        XCTAssertEqual(read.panels[1].marks[0].array("values")?.shape, [2, 2])
    }

    func testAMovedPointIsNamedWithItsDelta() throws {
        let old = try FigureData(figure()), new = try FigureData(figure(loss: [3, .nan, 0.2]))
        let changes = FigureDataDiff().changes(from: old, to: new)
        XCTAssertEqual(changes.map(\.sentence), [
            "panel \"Training loss\", series \"study\": y: 3 points, 1 moved, max |Δ| 0.05 at step = 200 (0.25 → 0.2)"])
        XCTAssertEqual(FigureDataDiff(relativeTolerance: 0.3).changes(from: old, to: new), [])
        XCTAssertEqual(FigureDataDiff().changes(from: old, to: old), [], "NaN agrees with NaN")
    }

    func testChangesAreRankedBySize() throws {
        let old = try FigureData(figure())
        var edited = figure(loss: [3, .nan, 0.2499], heat: [0, 0.5, 0.2, -0.0])
        edited.caption = "Loss 0.2499 after 200 steps."
        let sentences = FigureDataDiff().changes(from: old, to: try FigureData(edited)).map(\.sentence)
        XCTAssertEqual(sentences, [
            "panel \"Attention\", heatmap 1: values: 4 cells, 1 moved, max |Δ| 0.8 at row 2, column 1 (1 → 0.2)",
            "panel \"Attention\", heatmap 1: color limits 0…1 → 0…0.5",
            "caption number 1: 0.25 → 0.2499",
            "panel \"Training loss\", series \"study\": y: 3 points, 1 moved, max |Δ| 0.0001 at step = 200 (0.25 → 0.2499)"])
    }

    func testCaptionNumbersLeaveTheFullStopToTheWords() {
        XCTAssertEqual(NumericText.split("ends at 0.7258. Then -3 and 1.5e-3.").numbers, [0.7258, -3, 1.5, -3])
    }

    func testABadFileNamesTheFileAndTheLine() throws {
        var lines = try FigureData(figure()).canonicalJSON.split(separator: "\n", omittingEmptySubsequences: false)
        lines[17] = "          \"y\": [3, NaN, 0.25]"
        XCTAssertThrowsError(try FigureData.parse(Array(lines.joined(separator: "\n").utf8), path: "Figures/x.data.json")) { error in
            XCTAssertEqual("\(error)", "Figures/x.data.json:18: 'NaN' is not a JSON value; regenerate it with `rederive make` (data files are written with their figures)")
        }
        XCTAssertThrowsError(try FigureData.parse(Array("{\"format\": \"other\"}".utf8), path: "y.json")) { error in
            XCTAssertEqual((error as? FigureDataError)?.line, 1)
        }
    }

    /// Item marks carry encoded values as colours, so a changed colour is a changed datum.
    func testAChangedItemColourIsData() throws {
        func cells(_ second: Color) throws -> FigureData {
            try FigureData(Figure(Panel(marks: [.rects(RectsMark(x0: [0, 1], x1: [1, 2], y0: [0, 0], y1: [1, 1], fills: [.black, second]))])))
        }
        XCTAssertEqual(FigureDataDiff().changes(from: try cells(.black), to: try cells(Color(hex: 0xff0000))).map(\.sentence),
                       ["panel row 1, column 1, rects 1: colours: 1 of 2 changed, first at item 2 (#000000 → #ff0000)"])
    }
}
