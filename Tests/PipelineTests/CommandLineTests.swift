import Foundation
import XCTest

/// The command line's contract (issue #27): exit code 2 for every usage error, 0 for success,
/// help without arguments, and "did you mean" for a mistyped subcommand at any depth.
final class CommandLineTests: XCTestCase {
    /// Runs the built `rederive` with `arguments`: its exit status, standard output and error.
    func rederive(_ arguments: String...) throws -> (status: Int32, out: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtExecutable("rederive"))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: NSTemporaryDirectory())
        let (out, error) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = error
        try process.run()
        let outText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, outText, errorText)
    }

    func testMistypedSubcommandsGetTheirSuggestion() throws {
        for (typed, meant) in [("trian", "train"), ("mkae", "make"), ("analyse", "analyze"), ("stauts", "status"), ("chekc", "check")] {
            let result = try rederive(typed, "--config", "x.yaml")
            XCTAssertEqual(result.status, 2, typed)
            XCTAssertTrue(result.error.contains("'\(typed)' is not a rederive subcommand; did you mean '\(meant)'?"), result.error)
        }
        let nested = try rederive("bench", "trian")
        XCTAssertEqual(nested.status, 2)
        XCTAssertTrue(nested.error.contains("did you mean 'train'? the subcommands are: train, analyze, report"), nested.error)
    }

    func testExitCodes() throws {
        let none = try rederive()
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.out.contains("SUBCOMMANDS:"), none.out)
        XCTAssertEqual(try rederive("analyze").status, 2)  // a missing argument
        XCTAssertEqual(try rederive("status", "--bogus").status, 2)  // an unknown option
        XCTAssertEqual(try rederive("analyze", "x", "--out", "y", "--sequences", "1").status, 2)  // a value out of range
        XCTAssertEqual(try rederive("--help").status, 0)
        XCTAssertEqual(try rederive("--version").status, 0)
        // A file that cannot be used is a failure of the command, not of its usage.
        let missing = try rederive("analyze", "/nonexistent/run", "--out", NSTemporaryDirectory() + "rederive-cli-\(UUID().uuidString)")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.error.contains("/nonexistent/run: no such file or folder"), missing.error)
    }
}
