import Plot

/// One Plot panel from a view's layers: marks in Vega pixel coordinates (so the panel's limits
/// are 0…width and 0…height), and Vega-Lite's axes as fixed ticks with their labels.
enum PanelBuilder {
    static func panel(_ units: [PreparedUnit], _ enc: PanelEncodings, filter: [(String, DataValue)]?, title: String?) throws(VegaLiteError) -> Panel {
        var marks: [Mark] = []
        for unit in units {
            let all = unit.table.allRows
            let rows = filter.map { f in all.filter { row in f.allSatisfy { (row[$0.0] ?? .null) == $0.1 } } } ?? all
            marks += try MarkEmitter(unit: unit, enc: enc, rows: rows).emit()
        }
        let p = enc.positions
        func normalized(_ channel: String) -> Bool { units.contains { $0.stack?.channel == channel && $0.stack?.offset == "normalize" } }
        let xAxis = try p.x.map { (s) throws(VegaLiteError) in
            try AxisGuide.make(s, defs: p.xDefs, length: p.width, channel: "x", stackedNormalize: normalized("x"), configGrid: enc.config.axisGrid) { $0 }
        } ?? AxisGuide()
        let yAxis = try p.y.map { (s) throws(VegaLiteError) in
            try AxisGuide.make(s, defs: p.yDefs, length: p.height, channel: "y", stackedNormalize: normalized("y"), configGrid: enc.config.axisGrid) { enc.plotY($0) }
        } ?? AxisGuide()
        var panel = Panel(title: title, xLabel: xAxis.title.map(Markup.escape), yLabel: yAxis.title.map(Markup.escape), marks: marks,
                          xLimits: 0...max(1, p.width), yLimits: 0...max(1, p.height),
                          xTicks: xAxis.hidden ? .hidden : .fixed(xAxis.ticks), yTicks: yAxis.hidden ? .hidden : .fixed(yAxis.ticks),
                          legend: .outsideRight, aspectEqual: false, yInverted: false,
                          gridLines: xAxis.grid || yAxis.grid)
        panel.frame = true
        // Per view, not per layer: a layer asking for clipping clips the view's marks.
        panel.clipsMarks = units.contains { $0.mark.clip }
        panel.legendAlignment = .start
        panel.xTickAngle = xAxis.labelAngle
        panel.xAxisSide = xAxis.opposite ? .top : .bottom
        panel.yAxisSide = yAxis.opposite ? .right : .left
        panel.plotSize = Size(width: max(1, p.width), height: max(1, p.height))
        return panel
    }
}
