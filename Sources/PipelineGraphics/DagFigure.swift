import Pipeline
import Plot

/// The stage graph as a figure, for `rederive dag --format png|pdf`: stages in columns by depth
/// (the longest chain of dependencies before them), in declaration order within a column, with
/// an edge from each dependency.
enum DagFigure {
    static func figure(_ pipeline: Pipeline, selected: [Int]) -> Figure {
        let chosen = Set(selected)
        var depth = [Int: Int]()
        for i in selected {   // stages are in topological order
            depth[i] = (pipeline.stages[i].dependencies.filter(chosen.contains).compactMap { depth[$0] }.max() ?? -1) + 1
        }
        var row = [Int: Int](), rowsInColumn = [Int: Int]()
        for i in selected {
            row[i] = rowsInColumn[depth[i]!, default: 0]
            rowsInColumn[depth[i]!, default: 0] += 1
        }
        let columns = (depth.values.max() ?? 0) + 1, rows = rowsInColumn.values.max() ?? 1
        func point(_ i: Int) -> (x: Double, y: Double) { (Double(depth[i]!), -Double(row[i]!)) }

        // Edges leave a stage after its label, whose width is estimated from the DejaVu Sans
        // advance at 7 pt (about 4.1 pt a character) over a column of `columnWidth` inches.
        let columnWidth = 3.2
        func labelEnd(_ i: Int) -> Double {
            min(0.92, Double(pipeline.stages[i].name.count + 2) * 4.1 / (columnWidth * 72))
        }
        var marks = [Mark]()
        for i in selected {
            for d in pipeline.stages[i].dependencies where chosen.contains(d) {
                let (a, b) = (point(d), point(i))
                marks.append(.line(x: [a.x + labelEnd(d), b.x], y: [a.y, b.y], color: .gray(0.7), width: 0.6))
            }
        }
        marks.append(.scatter(x: selected.map { point($0).x }, y: selected.map { point($0).y }, color: .gray(0.2), size: 4))
        for i in selected {
            let (x, y) = point(i)
            marks.append(.text(" " + Markup.escape(pipeline.stages[i].name), x: x, y: y, anchor: .left, size: 7))
        }
        let panel = Panel(title: "\(Markup.escape(pipeline.name)): \(selected.count) stages", marks: marks,
                          xLimits: -0.1...(Double(columns) - 0.1), yLimits: (-Double(rows) + 0.5)...0.5,
                          xTicks: .hidden, yTicks: .hidden, legend: .hidden, frame: false)
        return Figure(panel, size: .inches(max(4, columnWidth * Double(columns)), max(2, 0.16 * Double(rows) + 0.8)))
    }
}
