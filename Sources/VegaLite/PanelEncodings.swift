import Plot

/// Everything a panel's layers share: position scales, the other channels' encodings, and the
/// mapping from Vega pixels (y down) to the panel's coordinates (y up, 0…height).
struct PanelEncodings {
    var positions: PositionScales
    var color: ColorEncoding?
    var size: PropertyEncoding?
    var opacity: PropertyEncoding?
    var shape: PropertyEncoding?
    var dash: PropertyEncoding?
    var config: VegaConfig

    var width: Double { positions.width }
    var height: Double { positions.height }

    func plotY(_ vegaY: Double) -> Double { height - vegaY }

    static func resolve(_ units: [PreparedUnit], width: JSON?, height: JSON?, config: VegaConfig) throws(VegaLiteError) -> PanelEncodings {
        let positions = try PositionScales.resolve(units, width: width, height: height, config: config)
        let hasPoints = units.contains { [.point, .circle, .square].contains($0.mark.kind) }
        // Vega-Lite's size range for symbols: minSize 4 to (0.95 × step)², the step being 20, or
        // the smaller bin width in pixels when x and y are binned (compile/scale/range.ts).
        var maxSize = 361.0
        if let x = positions.x, let y = positions.y,
           let bx = units.compactMap({ $0.channels["x"] }).first(where: { $0.bin != nil }), let by = units.compactMap({ $0.channels["y"] }).first(where: { $0.bin != nil }),
           let sx = bx.binStep, let sy = by.binStep, let ex = bx.binExtent, let ey = by.binExtent {
            _ = (x, y)
            let step = min(positions.width / ((ex.1 - ex.0) / sx), positions.height / ((ey.1 - ey.0) / sy))
            maxSize = (0.95 * step) * (0.95 * step)
        }
        let sizeRange: (Double, Double) = hasPoints ? (4, maxSize)
            : units.contains { $0.mark.kind == .text } ? (8, 40) : (1, 4)
        return PanelEncodings(
            positions: positions,
            color: try ColorEncoding.resolve(units),
            size: try PropertyEncoding.resolve("size", units, range: sizeRange),
            opacity: try PropertyEncoding.resolve("opacity", units, range: (0.3, 0.8)),
            shape: try PropertyEncoding.resolve("shape", units, range: (0, 1)),
            dash: try PropertyEncoding.resolve("strokeDash", units, range: (0, 1)),
            config: config)
    }
}
