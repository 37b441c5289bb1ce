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
        let sizeRange: (Double, Double) = hasPoints ? (units.contains { $0.channels["size"]?.type.isDiscrete == true } ? (9, 361) : (0, 361))
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
