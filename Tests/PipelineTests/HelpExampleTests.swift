import Foundation
import XCTest

/// Every example in every `--help` runs as written (issue #27): `make --help` once showed
/// `-S train.lr=3e-4`, which the default pipeline has no param for. The examples are read from
/// the help text as an 80-column terminal shows it, and run in order in a copy of the project.
final class HelpExampleTests: XCTestCase {
    /// The order examples run in: each may read what an earlier one wrote (`train` before
    /// `analyze`, `make smoke` before a figure of its analysis, `clean` last).
    static let order = ["init", "train", "analyze", "logits", "report", "patch", "make", "figure", "status", "dag", "slides", "check", "diff",
                        "clean"]

    func testEveryHelpExampleRuns() throws {
        let project = try Self.projectCopy()
        defer { try? FileManager.default.removeItem(atPath: project) }
        var examples = [(command: [String], line: String)]()
        for command in try subcommands(of: []) {
            let help = try runRederive(in: project, command + ["--help"])
            XCTAssertEqual(help.status, 0, "\(command) --help: \(help.error)")
            examples += Self.examples(in: help.out).map { (command, $0) }
        }
        XCTAssertGreaterThanOrEqual(Set(examples.map(\.command)).count, 12, "commands with examples: \(examples.map(\.command))")
        let rank = { (command: [String]) in Self.order.firstIndex(of: command.joined(separator: " ")) ?? Self.order.count }
        for (command, line) in examples.enumerated().sorted(by: { (rank($0.element.command), $0.offset) < (rank($1.element.command), $1.offset) }).map(\.element) {
            let words = try Self.words(line)
            XCTAssertEqual(Array(words.prefix(command.count + 1)), ["rederive"] + command, "an example of `\(command)` runs another command: \(line)")
            let result = try runRederive(in: project, Array(words.dropFirst()))
            XCTAssertEqual(result.status, 0, "`\(line)` failed:\n\(result.out)\n\(result.error)")
        }
    }

    /// The subcommands listed in a help text, depth first (`bench train` under `bench`).
    func subcommands(of parent: [String]) throws -> [[String]] {
        let help = try runRederive(in: NSTemporaryDirectory(), parent + ["--help"]).out
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        var found = [[String]]()
        for row in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            guard row.hasPrefix("  ") else { break }
            // A subcommand's row: two spaces and its name; its abstract wraps onto deeper-indented rows.
            guard !row.hasPrefix("   "), let name = row.split(separator: " ").first, name != "help" else { continue }
            let command = parent + [String(name)]
            found.append(command)
            found += try subcommands(of: command)
        }
        return found
    }

    /// The `rederive …` lines under an `Examples:` heading.
    static func examples(in help: String) -> [String] {
        guard let start = help.range(of: "Examples:\n") else { return [] }
        var lines = [String]()
        for row in help[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            let text = row.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("rederive ") else { break }
            lines.append(text)
        }
        return lines
    }

    /// A command line split as a POSIX shell splits it, for the quoting examples use: words
    /// apart at spaces, '...' taken literally.
    static func words(_ line: String) throws -> [String] {
        var words = [String](), current = "", quoted = false, inWord = false
        for character in line {
            if character == "'" { quoted.toggle(); inWord = true; continue }
            if character == " " && !quoted {
                if inWord { words.append(current) }
                current = ""; inWord = false
                continue
            }
            current.append(character)
            inWord = true
        }
        if quoted { throw NSError(domain: "unbalanced quote in: \(line)", code: 1) }
        if inWord { words.append(current) }
        return words
    }

    /// A copy of the project's pipelines, configs and figures, as after a clone.
    static func projectCopy() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let copy = NSTemporaryDirectory() + "rederive-help-examples-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for folder in ["Pipelines", "Configs", "Figures"] {
            try FileManager.default.copyItem(atPath: root + "/" + folder, toPath: copy + "/" + folder)
        }
        return copy
    }

    func testShellWordsKeepQuotedText() throws {
        XCTAssertEqual(try Self.words("rederive make -S 'designs=[study, attn-only]' smoke"),
                       ["rederive", "make", "-S", "designs=[study, attn-only]", "smoke"])
        XCTAssertThrowsError(try Self.words("rederive make -S 'x"))
    }
}
