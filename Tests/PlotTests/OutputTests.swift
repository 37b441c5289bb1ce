import XCTest
import Plot

final class OutputTests: XCTestCase {
    func reference() throws -> Figure { try ReferenceFigure.figure(ReferenceFigure.data()) }

    /// Runs of spaces collapsed to one, for matching tool output.
    func squeezed(_ text: String) -> String {
        text.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            .joined(separator: "\n")
    }

    /// The chunks of a PNG file: (type, data).
    func chunks(_ png: [UInt8]) -> [(String, [UInt8])] {
        var result: [(String, [UInt8])] = []
        var i = 8
        while i + 8 <= png.count {
            let length = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
            result.append((type, Array(png[(i + 8)..<(i + 8 + length)])))
            i += 12 + length
        }
        return result
    }

    func testPNGIsDeterministic() throws {
        let figure = try reference()
        XCTAssertEqual(try Renderer.png(figure), try Renderer.png(figure))
    }

    func testPDFIsDeterministic() throws {
        let figure = try reference()
        XCTAssertEqual(try Renderer.pdf(figure), try Renderer.pdf(figure))
    }

    func testPNGRecordsDPIAndSource() throws {
        let png = try Renderer.png(try reference(), source: "mpl_bench.py")
        XCTAssertEqual(Array(png.prefix(8)), [137, 80, 78, 71, 13, 10, 26, 10])
        let all = chunks(png)
        XCTAssertEqual(all.first?.0, "IHDR")
        let ihdr = all[0].1
        XCTAssertEqual(Int(ihdr[2]) << 8 | Int(ihdr[3]), 1200)
        XCTAssertEqual(Int(ihdr[6]) << 8 | Int(ihdr[7]), 900)
        let phys = try XCTUnwrap(all.first { $0.0 == "pHYs" }?.1)
        let ppm = Int(phys[0]) << 24 | Int(phys[1]) << 16 | Int(phys[2]) << 8 | Int(phys[3])
        XCTAssertEqual(ppm, 5906) // 150 dpi
        XCTAssertEqual(phys[8], 1) // unit: metre
        let texts = all.filter { $0.0 == "tEXt" }.map { String(decoding: $0.1, as: UTF8.self) }
        XCTAssertTrue(texts.contains("Source\u{0}mpl_bench.py"), "\(texts)")
        XCTAssertTrue(texts.contains { $0.hasPrefix("Software\u{0}Rederive") })
        XCTAssertEqual(all.last?.0, "IEND")
    }

    func testPDFHeatmapIsNotInterpolatedAndDatesAreFixed() throws {
        let pdf = String(decoding: try Renderer.pdf(try reference()), as: UTF8.self)
        XCTAssertTrue(pdf.hasPrefix("%PDF-"))
        XCTAssertTrue(pdf.contains("/Interpolate false"))
        XCTAssertFalse(pdf.contains("/Interpolate true"))
        // Cairo 1.16 writes the date without the "D:" prefix; poppler still reads it (see the pdfinfo test).
        XCTAssertTrue(pdf.contains("/CreationDate (20000101000000Z)") || pdf.contains("/CreationDate (D:20000101000000"),
                      "fixed creation date")
    }

    func testPDFFontsAreEmbeddedAndPageSizeIsRight() throws {
        let path = temporaryPath("reference.pdf")
        try reference().writePDF(to: path)
        guard let info = try runTool("pdfinfo", [path]), let fonts = try runTool("pdffonts", [path]) else {
            throw XCTSkip("pdfinfo/pdffonts not installed; apt-get install poppler-utils to run this check")
        }
        let facts = squeezed(info)
        XCTAssertTrue(facts.contains("Page size: 576 x 432 pts"), info)
        XCTAssertTrue(facts.contains("Pages: 1"), info)
        XCTAssertTrue(facts.contains("CreationDate: Sat Jan 1 00:00:00 2000"), info)
        let rows = fonts.split(separator: "\n").dropFirst(2)
        XCTAssertFalse(rows.isEmpty, fonts)
        for row in rows {
            XCTAssertTrue(row.contains("DejaVuSans"), String(row))
            // Columns: name type encoding emb sub uni object ID; "yes yes" for embedded subsets.
            XCTAssertTrue(row.contains(" yes yes "), "font not embedded: \(row)")
        }
    }

    func testMultiPagePDF() throws {
        let slide = Figure(Panel(title: "Slide", marks: [.line(y: [3, 1, 2])]), style: .talk)
        let small = Figure(Panel(title: "Small", marks: [.line(y: [1, 2])]), size: .inches(4, 3))
        let path = temporaryPath("deck.pdf")
        try writePDF([slide, slide, small], to: path, title: "Deck")
        guard let info = try runTool("pdfinfo", ["-f", "1", "-l", "3", path]) else {
            throw XCTSkip("pdfinfo not installed; apt-get install poppler-utils to run this check")
        }
        let facts = squeezed(info)
        XCTAssertTrue(facts.contains("Pages: 3"), info)
        XCTAssertTrue(facts.contains("Page 1 size: 960 x 540 pts"), info)
        XCTAssertTrue(facts.contains("Page 3 size: 288 x 216 pts"), info)
        XCTAssertTrue(facts.contains("Title: Deck"), info)
    }

    func testEmptyDocumentIsAnErrorAndTitlesLoseTheirMarkup() throws {
        XCTAssertThrowsError(try Renderer.pdf([])) { XCTAssertEqual($0 as? PlotError, .emptyDocument) }
        XCTAssertEqual(PangoText.plainText("W<sub>QK</sub> and σ"), "WQK and σ")
        XCTAssertEqual(PangoText.plainText("a < b"), "a < b")
        let pdf = String(decoding: try Renderer.pdf(Figure(Panel(marks: [.line(y: [1, 2])]), suptitle: "W<sub>QK</sub>")),
                         as: UTF8.self)
        XCTAssertTrue(pdf.contains("/Title (WQK)"), "plain title in the metadata")
    }

    func testSVGDrawsHeatmapCellsAsShapes() throws {
        let figure = Figure(Panel(marks: [.heatmap(Matrix([[0, 1], [2, 3]]))], colorbar: Colorbar()))
        let svg = String(decoding: try Renderer.svg(figure), as: UTF8.self)
        XCTAssertTrue(svg.contains("<svg"))
        // Only the colorbar is an image; the four cells are filled paths.
        XCTAssertEqual(svg.components(separatedBy: "<image").count - 1, 1)
    }

    func testWriteByExtensionIsAtomic() throws {
        let figure = Figure(Panel(marks: [.line(y: [1, 2])]), size: .inches(2, 2), dpi: 50)
        for ext in ["png", "pdf", "svg"] {
            let path = temporaryPath("write.\(ext)")
            try figure.write(to: path)
            XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0, 100)
        }
        XCTAssertThrowsError(try figure.write(to: temporaryPath("x.gif")))
        let dir = (temporaryPath("write.png") as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".tmp") }
        XCTAssertEqual(leftovers, [])
    }

    func testRasterMatchesPNGDimensionsAndIsOpaque() throws {
        let figure = try reference()
        let raster = try Renderer.raster(figure)
        XCTAssertEqual(raster.width, 1200)
        XCTAssertEqual(raster.height, 900)
        XCTAssertTrue(stride(from: 3, to: raster.rgba.count, by: 4 * 97).allSatisfy { raster.rgba[$0] == 255 })
        XCTAssertEqual(raster.rms(to: raster), 0)
    }
}
