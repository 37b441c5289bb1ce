/// CSV and TSV as Vega's loader (d3-dsv) reads them: a header row, quoted fields with doubled
/// quotes, CRLF or LF. Cells stay text here; a field's type decides how it is read later (as
/// Vega-Lite's parse step does), so a quantitative field holding text can be reported by row.
enum DelimitedReader {
    static func parse(_ bytes: [UInt8], delimiter: UInt8) throws(VegaLiteError) -> DataTable {
        // Every cell in one array, and where each record ends: no array per record.
        var cells: [String] = []
        var ends: [Int] = []
        var field: [UInt8] = []
        var i = 0, quoted = false, atFieldStart = true
        let n = bytes.count
        var start = 0
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        i = start
        func endField() { cells.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true); atFieldStart = true }
        while i < n {
            let b = bytes[i]
            if quoted {
                if b == 34 {
                    if i + 1 < n, bytes[i + 1] == 34 { field.append(34); i += 2; continue }
                    quoted = false
                } else { field.append(b) }
                i += 1
                continue
            }
            if b == 34 && atFieldStart { quoted = true; atFieldStart = false; i += 1; continue }
            if b == delimiter { endField(); i += 1; continue }
            if b == 10 || b == 13 {
                endField()
                ends.append(cells.count)
                if b == 13, i + 1 < n, bytes[i + 1] == 10 { i += 1 }
                i += 1
                continue
            }
            field.append(b)
            atFieldStart = false
            i += 1
        }
        if quoted { throw .data(.malformed, "a quoted field is not closed") }
        if !field.isEmpty || cells.count > (ends.last ?? 0) { endField(); ends.append(cells.count) }
        guard let headerEnd = ends.first else { return DataTable(columns: [], rows: []) }
        let header = Array(cells[0..<headerEnd])
        // Records as ranges of `cells`; a blank line (one empty cell) is no record.
        var records: [Range<Int>] = []
        records.reserveCapacity(ends.count)
        for k in ends.indices.dropFirst() {
            let range = ends[k - 1]..<ends[k]
            if !(range.count == 1 && cells[range.lowerBound].isEmpty) { records.append(range) }
        }
        var values: [String: [DataValue?]] = [:]
        for (k, name) in header.enumerated() where values[name] == nil {
            // A repeated header name keeps its last column, as a row object would.
            let last = header.lastIndex(of: name) ?? k
            values[name] = records.map { r in last < r.count && !cells[r.lowerBound + last].isEmpty ? .string(cells[r.lowerBound + last]) : .null }
        }
        return DataTable(columns: header, count: records.count, values: values)
    }
}
