import XCTest
import Transformer

final class TransformerModuleTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(String(describing: TransformerModule.self), "TransformerModule")
    }
}
