import AtomicFiles
import Foundation

extension VegaLiteSpec {
    /// The spec file's text: missing, unreadable or not UTF-8 is an error naming it.
    static func text(at path: String) throws(VegaLiteError) -> String {
        guard let bytes = try? AtomicFile.read(path) else {
            throw VegaLiteError(kind: .missingFile, file: path, path: "", message: "cannot read the spec")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw VegaLiteError(kind: .malformed, file: path, path: "", message: "the spec is not UTF-8 text")
        }
        return text
    }

    /// The spec's tree, from JSON or YAML text. `.json` specs are read strictly (YAML would
    /// accept `{"x": }` as a null); anything else goes through Yams. Both report syntax errors
    /// by line and column.
    static func tree(_ text: String, path: String) throws(VegaLiteError) -> JSON {
        path.lowercased().hasSuffix(".json") ? try JSONReader.parse(Array(text.utf8)) : try SpecParser.parse(text)
    }

    /// The local files a spec's `data` objects name by `url`, anywhere in it (views, layers,
    /// facets, concatenations), as written (relative to the spec's folder), in order of
    /// appearance, without reading them: a pipeline learns a stage's data inputs from this.
    public static func dataURLs(path: String) throws(VegaLiteError) -> [String] {
        let text = try text(at: path)
        let root: JSON
        do throws(VegaLiteError) { root = try tree(text, path: path) } catch { throw error.inFile(path) }
        var urls = [String]()
        collectURLs(root, into: &urls)
        return urls
    }

    private static func collectURLs(_ node: JSON, into urls: inout [String]) {
        switch node {
        case .object(let pairs):
            for (key, value) in pairs {
                if key == "data", let url = value["url"]?.string, !url.contains("://"), !urls.contains(url) { urls.append(url) }
                collectURLs(value, into: &urls)
            }
        case .array(let items): for item in items { collectURLs(item, into: &urls) }
        default: break
        }
    }
}
