import XCTest
import Plot

final class PlotModuleTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(String(describing: PlotModule.self), "PlotModule")
    }
}
