import XCTest
import Recipes

final class RecipesModuleTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertEqual(String(describing: RecipesModule.self), "RecipesModule")
    }
}
