import XCTest
import Analysis

final class AnalysisModuleTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(String(describing: AnalysisModule.self), "AnalysisModule")
    }
}
