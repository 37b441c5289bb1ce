/// A table of named values, stored by column: one array per column, with nil where a row has
/// no such value (a JSON record without the key), as Vega's row objects would lack it.
/// `columns` lists the data's fields in the order the data gave them (what messages show); the
/// columns that encodings add (`@x`, `@stack0`, …) are stored too but not listed there.
///
/// Columns, not a dictionary per row: reading a 10,000-row CSV into dictionaries and copying
/// each to add the encoded channels was most of a spec's translation time.
public struct DataTable: Equatable, Sendable {
    public var columns: [String]
    public private(set) var count: Int
    private var store: [String: [DataValue?]]

    /// `values`: every stored column, each of `count` values.
    public init(columns: [String], count: Int, values: [String: [DataValue?]]) {
        self.columns = columns
        self.count = count
        self.store = values
    }

    public init(columns: [String], rows: [[String: DataValue]]) {
        self.init(columns: columns, count: 0, values: [:])
        self.rows = rows
    }

    /// A column's values (nil: no such column).
    public subscript(column: String) -> [DataValue?]? { store[column] }

    /// One row, read by column name as a row dictionary would be, without building one.
    struct Row {
        fileprivate let columns: Columns
        let index: Int
        subscript(column: String) -> DataValue? { columns.find(column)?[index] }
    }

    /// The stored columns as parallel arrays, shared by every `Row` of a table: a mark reads a
    /// few columns per row, and comparing short names (inline strings) beats hashing them.
    final class Columns {
        let names: [String]
        let values: [[DataValue?]]

        init(_ store: [String: [DataValue?]]) {
            names = store.keys.sorted()
            values = names.map { store[$0] ?? [] }
        }

        func find(_ name: String) -> [DataValue?]? {
            for k in names.indices where names[k] == name { return values[k] }
            return nil
        }
    }

    /// Every row, in order.
    var allRows: [Row] {
        let columns = Columns(store)
        return (0..<count).map { Row(columns: columns, index: $0) }
    }

    /// Replaces or adds a stored column (not listed in `columns`; see `addColumn`).
    mutating func set(_ column: String, _ values: [DataValue?]) {
        precondition(values.count == count, "a column of \(values.count) values in a table of \(count) rows")
        store[column] = values
    }

    /// Keeps the rows at `indices` (ascending), in every column.
    mutating func keep(_ indices: [Int]) {
        guard indices.count != count else { return }
        for key in Array(store.keys) { store[key] = store[key].map { column in indices.map { column[$0] } } }
        count = indices.count
    }

    mutating func addColumn(_ name: String) {
        if !columns.contains(name) { columns.append(name) }
    }

    /// The rows as dictionaries, for the transforms that work row by row (aggregate, stack,
    /// calculate, fold); setting them rebuilds the columns.
    public var rows: [[String: DataValue]] {
        get {
            let keys = store.keys.sorted()
            return (0..<count).map { r in
                var row: [String: DataValue] = [:]
                for key in keys { if let v = store[key]?[r] { row[key] = v } }
                return row
            }
        }
        set {
            var values: [String: [DataValue?]] = [:]
            for (r, row) in newValue.enumerated() {
                for (key, v) in row { values[key, default: [DataValue?](repeating: nil, count: newValue.count)][r] = v }
            }
            store = values
            count = newValue.count
        }
    }

    public static func == (a: DataTable, b: DataTable) -> Bool {
        a.columns == b.columns && a.count == b.count && a.rows == b.rows
    }

    /// The list a message shows when a field is unknown.
    var columnList: String { columns.isEmpty ? "(none)" : columns.joined(separator: ", ") }
}
