import Foundation
import XCTest

/// Package.swift declares every module a target imports (issue #25): SwiftPM lets a target
/// import a module that only a dependency declares, so an undeclared import builds today and
/// breaks when that dependency changes. This reads the manifest and every target's sources.
final class DeclaredImportsTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func testEveryImportedModuleIsDeclared() throws {
        let manifest = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        let targets = Self.targets(in: manifest)
        XCTAssertGreaterThan(targets.count, 15, "the manifest's targets were not found")
        let modules = Set(targets.map(\.name)).union(["ArgumentParser", "Yams"])
        var problems = [String]()
        for target in targets {
            for module in try imports(in: target.folder).intersection(modules) where module != target.name && !target.dependencies.contains(module) {
                problems.append("\(target.name) imports \(module) without declaring it")
            }
        }
        XCTAssertEqual(problems, [])
    }

    /// The finder is itself checked: a manifest line that drops a dependency is caught.
    func testAnUndeclaredImportIsFound() {
        let targets = Self.targets(in: #".target(name: "Analysis", dependencies: ["Tensor"]),"#)
        XCTAssertEqual(targets.first?.name, "Analysis")
        XCTAssertEqual(targets.first?.dependencies, ["Tensor"])
        XCTAssertEqual(targets.first?.folder, "Sources/Analysis")
    }

    struct Target {
        var name: String
        var dependencies: Set<String>
        var folder: String
    }

    /// Each `.target`, `.executableTarget` and `.testTarget` with the names in its `dependencies:`
    /// list (plain strings and `.product(name:)`), and its folder (`path:` or the default).
    static func targets(in manifest: String) -> [Target] {
        let pattern = #/\.(target|executableTarget|testTarget)\(name: "(\w+)"(?:, dependencies: \[((?:[^\[\]]|\[[^\]]*\])*)\])?(?:[^\n]*?path: "([^"]+)")?/#
        return manifest.matches(of: pattern).map { match in
            let list = String(match.output.3 ?? "")
            // Products name their module (`.product(name: "Yams", package: "Yams")`).
            let names = list.matches(of: #/"(\w+)"/#).map { String($0.output.1) }
            let kind = match.output.1, name = String(match.output.2)
            let folder = match.output.4.map(String.init) ?? (kind == "testTarget" ? "Tests/" : "Sources/") + name
            return Target(name: name, dependencies: Set(names), folder: folder)
        }
    }

    func imports(in folder: String) throws -> Set<String> {
        var found = Set<String>()
        guard let files = FileManager.default.enumerator(atPath: root + "/" + folder) else { return found }
        for case let file as String in files where file.hasSuffix(".swift") && !file.contains("Fixtures/") {
            let text = try String(contentsOfFile: root + "/" + folder + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                if let match = line.firstMatch(of: #/^\s*(?:@testable\s+)?import\s+(\w+)/#) { found.insert(String(match.output.1)) }
            }
        }
        return found
    }
}
