import Foundation
import Plot
import VegaLite
import XCTest

/// Every gallery spec with a fixture (Fixtures/gallery/expected, written from vl-convert's SVG
/// by Scripts/vl-gallery-fixtures.py) must draw the same texts, the same number of marks, and
/// marks within 1% of the plot's width or height of where Vega-Lite draws them.
final class GalleryTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Specs that cannot pass yet, each with the reason. Counted and printed; never silent.
    static let knownFailures: [String: String] = [:]

    static let tolerance = 0.0101

    func testGallerySpecsMatchTheReferenceRenderer() throws {
        let folder = Self.fixtures.appendingPathComponent("gallery")
        var names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("expected").path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".vg.json") }.map { String($0.dropLast(5)) }.sorted()
        names += ["npy:attention"]
        names += try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.appendingPathComponent("layout/expected").path)
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".vg.json") }.map { "layout:" + $0.dropLast(5) }.sorted()
        var passed = 0, skipped: [String] = []
        for name in names {
            let problems = check(name)
            if let reason = Self.knownFailures[name] {
                skipped.append("\(name): \(reason)")
                if problems.isEmpty { XCTFail("\(name) passes now: remove it from knownFailures") }
                continue
            }
            if problems.isEmpty { passed += 1 } else {
                XCTFail("\(name):\n  " + problems.prefix(12).joined(separator: "\n  "))
            }
        }
        print("gallery: \(passed) of \(names.count) specs match vl-convert; \(skipped.count) known failures:\n  " + skipped.joined(separator: "\n  "))
    }

    /// The differences between Rederive's figure of a spec and the fixture, empty when none.
    func check(_ name: String) -> [String] {
        let (specPath, expectedPath): (String, String)
        if name.hasPrefix("npy:") {
            let base = String(name.dropFirst(4))
            specPath = Self.fixtures.appendingPathComponent("npy/\(base).vl.json").path
            expectedPath = Self.fixtures.appendingPathComponent("npy/expected/\(base)_csv.json").path
        } else if name.hasPrefix("layout:") {
            let base = String(name.dropFirst(7))
            specPath = Self.fixtures.appendingPathComponent("layout/\(base).vl.json").path
            expectedPath = Self.fixtures.appendingPathComponent("layout/expected/\(base).json").path
        } else {
            specPath = Self.fixtures.appendingPathComponent("gallery/specs/\(name).vl.json").path
            expectedPath = Self.fixtures.appendingPathComponent("gallery/expected/\(name).json").path
        }
        let figure: Figure
        do {
            figure = try VegaLiteSpec.load(path: specPath).figure()
        } catch {
            return ["does not draw: \(error)"]
        }
        guard let data = FileManager.default.contents(atPath: expectedPath),
              let expected = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return ["no fixture at \(expectedPath)"]
        }
        // The layout audit (overlaps, legends over data, text off the page) must be clean too.
        // Text marks sit at their data points and overlap where the data do, as in Vega.
        let findings = ((try? Renderer.layout(figure).findings) ?? []).filter { finding in
            if case .overlap(let a, let b) = finding.kind, a.contains(") text '"), b.contains(") text '") { return false }
            return true
        }.map { "layout: \($0)" }
        return FixtureComparison(expected: expected, digest: FigureDigest(figure)).problems() + findings
    }
}
