import Foundation
import Plot
import VegaLite
import XCTest

final class DebugTests: XCTestCase {
    func testDebugPrint() throws {
        guard let name = ProcessInfo.processInfo.environment["VL_DEBUG"] else { return }
        let path = GalleryTests.fixtures.appendingPathComponent("gallery/specs/\(name).vl.json").path
        let f = try VegaLiteSpec.load(path: path).figure()
        for row in f.grid { for p in row {
            print("limits", p.xLimits as Any, p.yLimits as Any)
            if case .fixed(let t) = p.xTicks { print("x", t.map { "\($0.value):\($0.label)" }) }
            if case .fixed(let t) = p.yTicks { print("y", t.map { "\($0.value):\($0.label)" }) }
            for m in p.marks { print(String("\(m)".prefix(300))) }
        } }
    }
}

extension DebugTests {
    func testDebugRects() throws {
        guard let name = ProcessInfo.processInfo.environment["VL_RECTS"] else { return }
        let path = GalleryTests.fixtures.appendingPathComponent("gallery/specs/\(name).vl.json").path
        let d = FigureDigest(try VegaLiteSpec.load(path: path).figure())
        for r in d.views[0].rects { print("R", (r.x * 10000).rounded() / 10000, (r.y * 10000).rounded() / 10000) }
    }
}
