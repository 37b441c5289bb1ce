/// Rows of named values, columns in the order the data gave them. Rows are dictionaries for
/// lookup only; column order comes from `columns`, never from the dictionaries.
public struct DataTable: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[String: DataValue]]

    public init(columns: [String], rows: [[String: DataValue]]) {
        self.columns = columns
        self.rows = rows
    }

    mutating func addColumn(_ name: String) {
        if !columns.contains(name) { columns.append(name) }
    }

    /// The list a message shows when a field is unknown.
    var columnList: String { columns.isEmpty ? "(none)" : columns.joined(separator: ", ") }
}
