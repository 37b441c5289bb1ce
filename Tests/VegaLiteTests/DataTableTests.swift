import Foundation
import Plot
import VegaLite
import XCTest

/// Data are held by column; what a spec reads from them must be what row objects gave: nulls
/// and empty cells, values missing from a record, mixed types, numbers written as text.
final class DataTableTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "vl-table-\(ProcessInfo.processInfo.processIdentifier)-\(name.hashValue)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func view(_ spec: String) throws -> FigureDigest.View {
        let path = folder + "/s.vl.json"
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        return try XCTUnwrap(FigureDigest(try VegaLiteSpec.load(path: path).figure()).views.first)
    }

    func testRowsAndColumnsAgree() {
        let rows: [[String: DataValue]] = [["a": .number(1), "b": .string("x")], ["a": .null], ["b": .bool(true)]]
        let table = DataTable(columns: ["a", "b"], rows: rows)
        XCTAssertEqual(table.count, 3)
        XCTAssertEqual(table.rows, rows)   // a missing value stays missing, a null stays null
        XCTAssertEqual(table["a"], [.number(1), .null, nil])
        XCTAssertEqual(table["b"], [.string("x"), nil, .bool(true)])
        XCTAssertNil(table["c"])
        XCTAssertEqual(DataTable(columns: [], rows: []).count, 0)
    }

    /// Quoted cells with the delimiter and doubled quotes, padded numbers, an exponent, an empty
    /// cell (null: the row is not drawn), a short row and a blank line, CRLF endings.
    func testCSVCells() throws {
        let csv = "name,v\r\na,1\r\n\"b,\"\"c\"\"\", 2.5 \r\nd,\r\ne,4\r\n\r\nf,1e1\r\ng\r\n"
        try csv.write(toFile: folder + "/t.csv", atomically: true, encoding: .utf8)
        let v = try view(#"{"data": {"url": "t.csv"}, "mark": "point", "encoding": {"x": {"field": "v", "type": "quantitative"}, "y": {"field": "name", "type": "nominal"}}}"#)
        XCTAssertEqual(v.symbols.count, 4)
        XCTAssertEqual(v.yTicks.map(\.label).sorted(), ["a", "b,\"c\"", "e", "f"])
        XCTAssertEqual(v.xTicks.last?.label, "10")
        let xs = v.symbols.map(\.x)
        XCTAssertEqual((xs[1] - xs[0]) / (xs[3] - xs[0]), 1.5 / 9, accuracy: 1e-9)   // 1, 2.5, 4, 10
    }

    /// Records with a missing key, a null, text that holds a number and a boolean: numbers as
    /// JavaScript's `+value` reads them (true is 1); a record without the field is not drawn, as
    /// a null is not, though its x still counts in the domain when only y is missing.
    func testJSONRecords() throws {
        let values = #"[{"a": 1, "k": "p"}, {"a": "2", "k": "q"}, {"k": "r"}, {"a": null, "k": "s"}, {"a": true, "k": "t"}, {"a": 8}]"#
        let v = try view(#"{"data": {"values": \#(values)}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}, "y": {"field": "k", "type": "nominal"}}}"#)
        XCTAssertEqual(v.symbols.count, 3)
        XCTAssertEqual(v.yTicks.map(\.label).sorted(), ["p", "q", "t"])
        XCTAssertEqual(v.symbols.map(\.x), [1 / 8, 2 / 8, 1 / 8])
    }

    /// `format.parse` turns a column of text into numbers, nulls staying null.
    func testParseNumbers() throws {
        try "i,v\n10,3\n9,\n2,5\n".write(toFile: folder + "/p.csv", atomically: true, encoding: .utf8)
        let spec = #"{"data": {"url": "p.csv", "format": {"parse": {"i": "number"}}}, "mark": "bar", "encoding": {"x": {"field": "i", "type": "ordinal"}, "y": {"field": "v", "type": "quantitative"}}}"#
        let v = try view(spec)
        XCTAssertEqual(v.xTicks.map(\.label), ["2", "10"])   // numbers sort as numbers, not text; 9's v is null
        XCTAssertEqual(v.rects.count, 2)
    }
}
