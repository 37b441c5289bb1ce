import Foundation
import VegaLite
import XCTest

/// Bad input gets one sentence naming the spec, and where it helps the JSON path, field, file
/// or row at fault; nothing is drawn.
final class ErrorTests: XCTestCase {
    var folder: String = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "vl-errors-\(ProcessInfo.processInfo.processIdentifier)-\(name.hashValue)"
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        try "a,b\n1,x\n2,y\nthree,z\n".write(toFile: folder + "/data/t.csv", atomically: true, encoding: .utf8)
        try "a,b\n".write(toFile: folder + "/data/empty.csv", atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func error(_ spec: String, file: String = "x.vl.json") -> VegaLiteError? {
        let path = folder + "/" + file
        try? spec.write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try VegaLiteSpec.load(path: path).figure()
            return nil
        } catch {
            return error
        }
    }

    func testMalformedJSONGivesLineAndColumn() throws {
        let e = try XCTUnwrap(error("{\n  \"mark\": \"point\",\n  \"encoding\": {\"x\": }\n}"))
        XCTAssertEqual(e.kind, .malformed)
        XCTAssertTrue(e.description.hasPrefix(folder + "/x.vl.json: line 3, column"), e.description)
    }

    func testMalformedYAMLGivesLineAndColumn() throws {
        let e = try XCTUnwrap(error("mark: point\nencoding:\n  x: {field: a\n", file: "x.vl.yaml"))
        XCTAssertEqual(e.kind, .malformed)
        XCTAssertTrue(e.description.contains("line "), e.description)
        XCTAssertTrue(e.description.contains("column"), e.description)
    }

    func testUnknownFieldNamesItAndListsTheColumns() throws {
        let e = try XCTUnwrap(error(#"{"data": {"url": "data/t.csv"}, "mark": "point", "encoding": {"x": {"field": "c", "type": "nominal"}}}"#))
        XCTAssertEqual(e.kind, .unknownField)
        XCTAssertEqual(e.description, folder + "/x.vl.json: /encoding/x/field: field 'c' is not in the data (columns: a, b)")
    }

    func testMissingDataFileIsNamedRelativeToTheSpec() throws {
        let e = try XCTUnwrap(error(#"{"data": {"url": "data/nope.csv"}, "mark": "point"}"#))
        XCTAssertEqual(e.kind, .missingFile)
        XCTAssertEqual(e.description, folder + "/x.vl.json: /data/url: data file 'data/nope.csv' not found (relative to the spec's folder)")
    }

    func testQuantitativeFieldHoldingTextGivesValueAndRow() throws {
        let e = try XCTUnwrap(error(#"{"data": {"url": "data/t.csv"}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}"#))
        XCTAssertEqual(e.kind, .badValue)
        XCTAssertEqual(e.description, folder + "/x.vl.json: /encoding/x/field: field 'a' is quantitative but row 3 holds 'three'")
    }

    func testUnsupportedMarkNamesItsPathAndTheSupportedMarks() throws {
        let e = try XCTUnwrap(error(#"{"data": {"values": [{"a": 1}]}, "mark": "arc", "encoding": {"theta": {"field": "a"}}}"#))
        XCTAssertEqual(e.kind, .unsupported)
        XCTAssertEqual(e.description, folder + "/x.vl.json: /mark: arc marks are not supported (supported marks: point, circle, square, line, bar, rect, area, rule, text, tick)")
    }

    func testUnsupportedChannelAndTransformNameTheirPaths() throws {
        let channel = try XCTUnwrap(error(#"{"data": {"values": [{"a": 1}]}, "mark": "point", "encoding": {"theta": {"field": "a"}}}"#))
        XCTAssertTrue(channel.description.contains("/encoding/theta: the theta channel is not supported"), channel.description)
        let transform = try XCTUnwrap(error(#"{"data": {"values": [{"a": 1}]}, "transform": [{"window": []}], "mark": "point"}"#))
        XCTAssertTrue(transform.description.contains("/transform/0/window: transform 'window' is not supported"), transform.description)
        let property = try XCTUnwrap(error(#"{"data": {"values": [{"a": 1}]}, "mark": "point", "encoding": {"x": {"field": "a", "impute": {}}}}"#))
        XCTAssertTrue(property.description.contains("/encoding/x/impute: encoding property 'impute' is not supported"), property.description)
    }

    func testEmptyDatasetIsAnError() throws {
        let e = try XCTUnwrap(error(#"{"data": {"url": "data/empty.csv"}, "mark": "point", "encoding": {"x": {"field": "a", "type": "quantitative"}}}"#))
        XCTAssertEqual(e.kind, .emptyData)
        XCTAssertTrue(e.description.contains("the data are empty"), e.description)
        let filtered = try XCTUnwrap(error(#"{"data": {"url": "data/t.csv"}, "transform": [{"filter": "datum.b == 'q'"}], "mark": "point", "encoding": {"x": {"field": "b"}}}"#))
        XCTAssertEqual(filtered.kind, .emptyData)
    }

    /// Extreme numbers from a spec or its data draw or fail with a sentence; they never trap.
    func testExtremeNumbersDoNotTrap() throws {
        let specs = [
            #"{"data": {"values": [{"t": 1e300, "v": 1}, {"t": 0, "v": 2}]}, "mark": "point", "encoding": {"x": {"field": "t", "type": "temporal"}, "y": {"field": "v", "type": "quantitative"}}}"#,
            #"{"data": {"values": [{"t": "2001-01-01", "v": 1}]}, "transform": [{"filter": {"field": "t", "timeUnit": "year", "equal": 1e300}}], "mark": "point", "encoding": {"x": {"field": "v", "type": "quantitative"}}}"#,
            #"{"data": {"values": [{"a": "x", "v": 1}]}, "mark": "point", "encoding": {"facet": {"field": "a", "columns": 1e300}, "x": {"field": "v", "type": "quantitative", "axis": {"tickCount": 1e12}}}}"#,
            #"{"data": {"values": [{"v": 1e-300}, {"v": 1e300}]}, "mark": "bar", "encoding": {"x": {"field": "v", "bin": {"maxbins": 1e9}}, "y": {"aggregate": "count"}}}"#,
        ]
        for (i, spec) in specs.enumerated() {
            let path = folder + "/extreme\(i).vl.json"
            try spec.write(toFile: path, atomically: true, encoding: .utf8)
            do { _ = try VegaLiteSpec.load(path: path).figure() } catch { XCTAssertFalse(error.description.isEmpty) }
        }
    }

    func testYAMLSpecDrawsLikeItsJSONTwin() throws {
        let json = #"{"data": {"url": "data/t.csv"}, "mark": "bar", "encoding": {"x": {"field": "b"}, "y": {"aggregate": "count"}}}"#
        let yaml = "data: {url: data/t.csv}\nmark: bar\nencoding:\n  x: {field: b}\n  y: {aggregate: count}\n"
        try json.write(toFile: folder + "/j.vl.json", atomically: true, encoding: .utf8)
        try yaml.write(toFile: folder + "/y.vl.yaml", atomically: true, encoding: .utf8)
        let a = try VegaLiteSpec.load(path: folder + "/j.vl.json"), b = try VegaLiteSpec.load(path: folder + "/y.vl.yaml")
        XCTAssertEqual(try a.figure(), try b.figure())
        XCTAssertEqual(a.dataFiles, ["data/t.csv"])
    }
}
