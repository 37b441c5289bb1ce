import XCTest
import Pipeline

final class PipelineModuleTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(String(describing: PipelineModule.self), "PipelineModule")
    }
}
