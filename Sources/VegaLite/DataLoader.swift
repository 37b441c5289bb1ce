import AtomicFiles
import Foundation

/// Loads a spec's `data`: inline `values`, or a `url` resolved against the spec's folder (CSV,
/// TSV, JSON, NumPy `.npy`). Records which files it read, for the pipeline to hash.
/// https://vega.github.io/vega-lite/docs/data.html
final class DataLoader {
    let baseFolder: String
    /// Files read, as the spec names them (relative to its folder), in first-read order.
    private(set) var files: [String] = []
    /// Tables read, by file and then by format (compared as JSON values, not printed).
    private var cache: [String: [(format: JSON?, table: DataTable)]] = [:]

    init(baseFolder: String) {
        self.baseFolder = baseFolder
    }

    static let supportedKeys: Set<String> = ["url", "values", "format", "name"]

    func load(_ node: Node) throws(VegaLiteError) -> DataTable {
        try node.allowOnly(Self.supportedKeys, what: "data")
        let format = node["format"]
        if let format { try format.allowOnly(["type", "property", "parse", "index", "value"], what: "data format") }
        var table: DataTable
        if let values = node["values"] {
            table = try inline(values, format: format)
        } else if let url = node["url"] {
            table = try file(try url.string(), path: url.path, format: format)
        } else {
            throw .unsupported(path: node.displayPath, "data needs 'values' or 'url' (named data sources are not supported)")
        }
        if let parse = format?["parse"] { try applyParse(parse, to: &table) }
        return table
    }

    func inline(_ values: Node, format: Node?) throws(VegaLiteError) -> DataTable {
        if case .string(let text) = values.value {
            let type = format?["type"]?.value.string ?? "json"
            return try decode(Array(text.utf8), type: type, format: format, path: values.path, name: "inline values")
        }
        if let property = format?["property"]?.value.string, let inner = Self.property(values.value, property) {
            return try records(inner, path: values.path)
        }
        return try records(values.value, path: values.path)
    }

    func file(_ url: String, path: String, format: Node?) throws(VegaLiteError) -> DataTable {
        if url.contains("://") {
            throw .unsupported(path: path, "data URLs must be local files relative to the spec ('\(url)')")
        }
        let full = url.hasPrefix("/") ? url : baseFolder + "/" + url
        if !files.contains(url) { files.append(url) }
        if let cached = cache[full]?.first(where: { $0.format == format?.value }) { return cached.table }
        // Through the package's one reader (Foundation's FileManager.contents leaked its buffer
        // under the fuzzer's LeakSanitizer).
        guard let data = try? AtomicFile.read(full) else {
            throw .data(.missingFile, path: path, "data file '\(url)' not found (relative to the spec's folder)")
        }
        let ext = (url as NSString).pathExtension.lowercased()
        let type = format?["type"]?.value.string ?? (ext == "tsv" ? "tsv" : ext == "csv" ? "csv" : ext == "npy" ? "npy" : "json")
        var table: DataTable
        do throws(VegaLiteError) {
            table = try decode(data, type: type, format: format, path: path, name: url)
        } catch {
            var e = error
            if e.path.isEmpty { e.path = path }
            if !e.message.contains(url) { e.message = "\(url): \(e.message)" }
            throw e
        }
        cache[full, default: []].append((format?.value, table))
        return table
    }

    func decode(_ bytes: [UInt8], type: String, format: Node?, path: String, name: String) throws(VegaLiteError) -> DataTable {
        switch type {
        case "csv": return try DelimitedReader.parse(bytes, delimiter: UInt8(ascii: ","))
        case "tsv": return try DelimitedReader.parse(bytes, delimiter: 9)
        case "json":
            var json = try JSONReader.parse(bytes)
            if let property = format?["property"]?.value.string {
                guard let inner = Self.property(json, property) else {
                    throw .data(path: path, "\(name) has no property '\(property)'")
                }
                json = inner
            }
            return try records(json, path: path)
        case "npy":
            let array = try NpyReader.read(bytes)
            let value = format?["value"]?.value.string ?? (array.shape.count <= 1 ? "data" : "value")
            let index = format?["index"]?.value.array?.compactMap(\.string)
            return NpyReader.table(array, valueName: value, indexNames: index)
        default:
            throw .unsupported(path: path, "data format type '\(type)' is not supported (supported: csv, tsv, json, npy)")
        }
    }

    /// `format.property`: a dotted path into the JSON.
    static func property(_ json: JSON, _ property: String) -> JSON? {
        var current: JSON? = json
        for part in property.split(separator: ".") { current = current?[String(part)] }
        return current
    }

    /// An array of objects, or of primitives (each becomes `{"data": value}`, as in Vega-Lite).
    func records(_ json: JSON, path: String) throws(VegaLiteError) -> DataTable {
        guard let items = json.array else { throw .data(path: path, "data values must be an array of records") }
        var columns: [String] = []
        var values: [String: [DataValue?]] = [:]
        for (r, item) in items.enumerated() {
            let pairs = item.object ?? [(key: "data", value: item)]
            for (k, v) in pairs {
                if values[k] == nil {
                    columns.append(k)
                    values[k] = [DataValue?](repeating: nil, count: items.count)
                }
                values[k]?[r] = DataValue(v)
            }
        }
        return DataTable(columns: columns, count: items.count, values: values)
    }

    /// `format.parse`: "number", "boolean", "date" (or "date:'fmt'", read as a date), null.
    func applyParse(_ parse: Node, to table: inout DataTable) throws(VegaLiteError) {
        guard parse.value.object != nil else { return }   // "auto" and null: leave values as read
        for (field, how) in parse.members {
            guard let kind = how.value.string, let column = table[field] else { continue }
            table.set(field, column.map { value in
                guard let v = value else { return nil }
                if kind == "number" { return v.isNull ? .null : v.number.map(DataValue.number) ?? .number(.nan) }
                if kind == "boolean" { return v.isNull ? .null : .bool(v.text == "true" || v.number.map { $0 != 0 } == true) }
                if kind.hasPrefix("date") || kind.hasPrefix("utc") { return DateParser.value(v).map(DataValue.date) ?? .null }
                if kind == "string" { return v.isNull ? .null : .string(v.text) }
                return v
            })
        }
    }
}
