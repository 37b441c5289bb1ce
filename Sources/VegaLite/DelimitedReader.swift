/// CSV and TSV as Vega's loader (d3-dsv) reads them: a header row, quoted fields with doubled
/// quotes, CRLF or LF. Cells stay text here; a field's type decides how it is read later (as
/// Vega-Lite's parse step does), so a quantitative field holding text can be reported by row.
enum DelimitedReader {
    static func parse(_ bytes: [UInt8], delimiter: UInt8) throws(VegaLiteError) -> DataTable {
        var records: [[String]] = []
        var field: [UInt8] = []
        var record: [String] = []
        var i = 0, quoted = false, atFieldStart = true
        let n = bytes.count
        var start = 0
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        i = start
        func endField() { record.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true); atFieldStart = true }
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
                records.append(record)
                record = []
                if b == 13, i + 1 < n, bytes[i + 1] == 10 { i += 1 }
                i += 1
                continue
            }
            field.append(b)
            atFieldStart = false
            i += 1
        }
        if quoted { throw .data(.malformed, "a quoted field is not closed") }
        if !field.isEmpty || !record.isEmpty { endField(); records.append(record) }
        guard let header = records.first else { return DataTable(columns: [], rows: []) }
        var rows: [[String: DataValue]] = []
        rows.reserveCapacity(records.count - 1)
        for r in records.dropFirst() {
            if r.count == 1 && r[0].isEmpty { continue }
            var row: [String: DataValue] = [:]
            row.reserveCapacity(header.count + 4)   // room for the encoding columns added later
            for (k, name) in header.enumerated() {
                row[name] = k < r.count ? (r[k].isEmpty ? .null : .string(r[k])) : .null
            }
            rows.append(row)
        }
        return DataTable(columns: header, rows: rows)
    }
}
