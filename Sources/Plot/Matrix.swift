/// A dense row-major matrix of doubles, for heatmaps.
public struct Matrix: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    /// - Precondition: `values.count == rows * columns` (checked again at layout with a typed error).
    public init(rows: Int, columns: Int, values: [Double]) {
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// From nested rows; ragged input is reported by the layout pass as `PlotError.badMatrix`.
    public init(_ nested: [[Double]]) {
        rows = nested.count
        columns = nested.first?.count ?? 0
        values = nested.allSatisfy({ $0.count == nested.first?.count }) ? nested.flatMap { $0 } : []
    }

    public init(rows: Int, columns: Int, values: [Float]) {
        self.init(rows: rows, columns: columns, values: values.map(Double.init))
    }

    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }
}
