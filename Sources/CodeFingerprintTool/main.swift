import Foundation

// Computes the code fingerprints of the stage kinds (see `Sources/Stages/CodeSources.txt` and
// `Pipeline/Documentation.docc/WhenStagesRerun.md`) and writes them as Swift source. Run by the
// `CodeFingerprints` build-tool plugin, whenever a source file of the package changes.
//
// Usage: CodeFingerprintTool ROOT MANIFEST OUTPUT MODULE=DIR:DEP,DEP ...

/// Source text with comments removed and whitespace dropped wherever it cannot change the
/// program: one space survives only between two identifier characters. String literals are kept
/// byte for byte (a caption's text is behaviour).
func normalized(_ text: String) -> [UInt8] {
    let bytes = Array(text.utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count)
    var i = 0
    var pendingSpace = false
    func isWord(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 36 || b >= 128
    }
    func emit(_ b: UInt8) {
        if pendingSpace, let last = out.last, isWord(last), isWord(b) { out.append(32) }
        pendingSpace = false
        out.append(b)
    }
    func starts(_ s: String, at j: Int) -> Bool {
        let p = Array(s.utf8)
        return j + p.count <= bytes.count && Array(bytes[j..<j + p.count]) == p
    }
    while i < bytes.count {
        let b = bytes[i]
        if b == 32 || b == 9 || b == 10 || b == 13 { pendingSpace = true; i += 1; continue }
        if starts("//", at: i) {
            while i < bytes.count && bytes[i] != 10 { i += 1 }
            pendingSpace = true
            continue
        }
        if starts("/*", at: i) {
            var depth = 0
            repeat {
                if starts("/*", at: i) { depth += 1; i += 2 } else if starts("*/", at: i) { depth -= 1; i += 2 } else { i += 1 }
            } while depth > 0 && i < bytes.count
            pendingSpace = true
            continue
        }
        if b == 35 || b == 34 {  // '#' (raw string delimiters) or '"'
            var hashes = 0
            var j = i
            while j < bytes.count && bytes[j] == 35 { hashes += 1; j += 1 }
            if j < bytes.count && bytes[j] == 34 {
                let multiline = starts("\"\"\"", at: j)
                let quote = multiline ? 3 : 1
                let closing = [UInt8](repeating: 34, count: quote) + [UInt8](repeating: 35, count: hashes)
                emit(bytes[i])
                var k = i + 1
                let bodyStart = j + quote
                out.append(contentsOf: bytes[k..<bodyStart])
                k = bodyStart
                while k < bytes.count {
                    if hashes == 0 && bytes[k] == 92 { out.append(contentsOf: bytes[k..<min(k + 2, bytes.count)]); k += 2; continue }
                    if k + closing.count <= bytes.count && Array(bytes[k..<k + closing.count]) == closing {
                        out.append(contentsOf: closing)
                        k += closing.count
                        break
                    }
                    out.append(bytes[k])
                    k += 1
                }
                i = k
                continue
            }
        }
        emit(b)
        i += 1
    }
    return out
}

/// FNV-1a, 64-bit: enough to tell versions of a file apart, and needs no crypto library here.
func fnv(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xcbf29ce484222325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
    let s = String(h, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}

struct Module { var dir: String; var deps: [String] }

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: CodeFingerprintTool ROOT MANIFEST OUTPUT MODULE=DIR:DEPS...\n".utf8))
    exit(2)
}
let root = arguments[1], manifestPath = arguments[2], outputPath = arguments[3]
var modules = [String: Module]()
for spec in arguments.dropFirst(4) {
    guard let eq = spec.firstIndex(of: "="), let colon = spec[eq...].firstIndex(of: ":") else { continue }
    let deps = spec[spec.index(after: colon)...].split(separator: ",").map(String.init)
    modules[String(spec[..<eq])] = Module(dir: String(spec[spec.index(after: eq)..<colon]), deps: deps)
}

@MainActor func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("\(manifestPath): error: \(message)\n".utf8))
    exit(1)
}

@MainActor func read(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : root + "/" + path
    guard let text = try? String(contentsOfFile: full, encoding: .utf8) else { fail("cannot read \(path)") }
    return text
}

/// Package-relative paths of a module's source files (Swift, C), sorted.
@MainActor func files(of module: String) -> [String] {
    guard let dir = modules[module]?.dir else { return [] }
    let base = root + "/" + dir
    guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
    var found = [String]()
    while let name = walker.nextObject() as? String {
        if [".swift", ".c", ".h"].contains(where: name.hasSuffix) { found.append(dir + "/" + name) }
    }
    return found.sorted()
}

/// The package modules `path` imports, and theirs, transitively.
@MainActor func moduleClosure(importedBy paths: [String]) -> Set<String> {
    // An entry without a `/` names a module: all of it.
    var stack = paths.filter { !$0.contains("/") }
    for path in paths where path.contains("/") {
        for line in read(path).split(separator: "\n") where line.hasPrefix("import ") {
            let name = line.dropFirst(7).trimmingCharacters(in: .whitespaces)
            if modules[name] != nil { stack.append(name) }
        }
    }
    var seen = Set<String>()
    while let m = stack.popLast() {
        if !seen.insert(m).inserted { continue }
        stack += modules[m]?.deps.filter { modules[$0] != nil } ?? []
    }
    return seen
}

// The manifest: `kind: entry files... [| files...]`, `each-kind: FILE TYPE PATTERN` and
// `per-name: KIND GLOB TYPE` lines.
var kinds = [(name: String, entries: [String], alone: [String])]()
var eachKind: (file: String, declaration: String, prefix: String, suffix: String)?
var perName: (kind: String, prefix: String, suffix: String, declaration: String)?
for raw in read(manifestPath).split(separator: "\n") {
    let line = raw.trimmingCharacters(in: .whitespaces)
    if line.isEmpty || line.hasPrefix("#") { continue }
    guard let colon = line.firstIndex(of: ":") else { fail("expected `kind: files...`, got \(line)") }
    let key = String(line[..<colon])
    let values = line[line.index(after: colon)...].split(separator: " ").map(String.init)
    if key == "per-name" {
        guard values.count == 3, let star = values[1].firstIndex(of: "*") else { fail("per-name takes a kind, a pattern with a * and a type") }
        perName = (values[0], String(values[1][..<star]), String(values[1][values[1].index(after: star)...]), values[2] + "(name: \"")
    } else if key == "each-kind" {
        guard values.count == 3, let star = values[2].firstIndex(of: "*") else { fail("each-kind takes a file, a type and a pattern with a *") }
        eachKind = (values[0], values[1] + "(kind: \"", String(values[2][..<star]), String(values[2][values[2].index(after: star)...]))
    } else {
        // Files after `|` are covered without following their imports.
        let bar = values.firstIndex(of: "|") ?? values.endIndex
        kinds.append((key, Array(values[..<bar]), Array(values[bar...].dropFirst())))
    }
}

/// The names a file declares as `DECLARATION"x"`, e.g. `Recipe(name: "x"`, in order.
@MainActor func declaredNames(_ path: String, _ declaration: String) -> [String] {
    let text = read(path)
    var names = [String]()
    var rest = Substring(text)
    while let range = rest.range(of: declaration) {
        let after = rest[range.upperBound...]
        if let end = after.firstIndex(of: "\"") { names.append(String(after[..<end])) }
        rest = after
    }
    return names
}

// Every kind the registry file declares without a line of its own: its command file (imports
// followed) and the registry file, so a new kind needs no line in the manifest.
if let eachKind {
    for name in declaredNames(eachKind.file, eachKind.declaration) where !kinds.contains(where: { $0.name == name }) {
        let command = eachKind.prefix + name.prefix(1).uppercased() + name.dropFirst() + eachKind.suffix
        guard FileManager.default.fileExists(atPath: root + "/" + command) else {
            fail("stage kind '\(name)' (\(eachKind.file)) has no \(command); add it, or give the kind a line listing its files")
        }
        kinds.append((name, [command], [eachKind.file]))
    }
}

var hashes = [String: String]()
@MainActor func hash(_ path: String) -> String {
    if let h = hashes[path] { return h }
    let h = fnv(normalized(read(path)))
    hashes[path] = h
    return h
}

@MainActor func isPerName(_ path: String) -> Bool {
    guard let perName else { return false }
    return path.hasPrefix(perName.prefix) && path.hasSuffix(perName.suffix) && !path.dropFirst(perName.prefix.count).contains("/")
}

var groups = [(key: String, files: [String])]()
for kind in kinds {
    var all = Set((kind.entries + kind.alone).filter { $0.contains("/") })
    for m in moduleClosure(importedBy: kind.entries) { all.formUnion(files(of: m)) }
    let shared = all.filter { !isPerName($0) }
    let split = kind.name == perName?.kind ? all.filter(isPerName).sorted() : []
    groups.append((kind.name, all.sorted()))
    for file in split {
        for name in declaredNames(file, perName!.declaration) {
            groups.append((kind.name + " " + name, (shared.union([file])).sorted()))
        }
    }
}

func literal(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

var out = "// Generated by CodeFingerprintTool from Sources/Stages/CodeSources.txt: do not edit.\n"
out += "/// Per stage kind (and per `figure` recipe): each source file it is built from, with the hash of\n"
out += "/// its text without comments and insignificant whitespace.\n"
out += "enum GeneratedCodeSources {\n    static let groups: [String: [String: String]] = [\n"
for group in groups {
    out += "        \(literal(group.key)): [\n"
    for file in group.files { out += "            \(literal(file)): \(literal(hash(file))),\n" }
    out += "        ],\n"
}
out += "    ]\n}\n"
let existing = try? String(contentsOfFile: outputPath, encoding: .utf8)
if existing != out {
    do { try out.write(toFile: outputPath, atomically: true, encoding: .utf8) } catch { fail("cannot write \(outputPath): \(error)") }
}
