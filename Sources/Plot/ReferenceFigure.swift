import Foundation

/// The four-panel figure of `shared/reference/mpl_bench.py`, with the same data: numpy's
/// `default_rng(0)` draws were saved once to `Resources/mpl-bench-data.f64` (little-endian
/// float64: y[200], H[32×32], P[2000×2], bars[8]). Used by `rederive bench plot` and the tests.
public enum ReferenceFigure {
    public struct Data: Sendable {
        public var y: [Double]
        public var heatmap: Matrix
        public var points: [(Double, Double)]
        public var bars: [Double]
    }

    public static func data() throws -> Data {
        let path = try PlotResources.path("mpl-bench-data.f64")
        guard let raw = FileManager.default.contents(atPath: path), raw.count == 5232 * 8 else {
            throw PlotError.resourceMissing(path: path)
        }
        let values: [Double] = raw.withUnsafeBytes { bytes in
            (0..<5232).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
        let y = Array(values[0..<200])
        let h = Matrix(rows: 32, columns: 32, values: Array(values[200..<1224]))
        let p = stride(from: 1224, to: 5224, by: 2).map { (values[$0], values[$0 + 1]) }
        return Data(y: y, heatmap: h, points: p, bars: Array(values[5224..<5232]))
    }

    /// 8 × 6 in at 150 dpi, matplotlib's colours.
    public static func figure(_ d: Data) -> Figure {
        var style = Style.standard
        style.palette = .tableau10
        let loss = Panel(title: "Training loss", xLabel: "step", yLabel: "loss",
                         marks: [.line(y: d.y, width: 1.2)])
        let attention = Panel(title: "Attention",
                              marks: [.heatmap(d.heatmap, scale: ColorScale(.blueWhiteRed, norm: .centered()))],
                              colorbar: Colorbar())
        let pca = Panel(title: "PCA",
                        marks: [.scatter(x: d.points.map(\.0), y: d.points.map(\.1),
                                         values: (0..<d.points.count).map(Double.init), scale: .viridis,
                                         size: 3)],  // s=4 pt² is a 2 pt marker plus matplotlib's 1 pt edge in the face colour
                        colorbar: Colorbar(label: "position"))
        let probe = Panel(title: "Probe accuracy", yLabel: "accuracy",
                          marks: [.bars(x: (0..<8).map(Double.init), heights: d.bars)],
                          xTicks: .at((0..<8).map(Double.init)))
        return Figure(size: .inches(8, 6), dpi: 150, style: style, grid: [[loss, attention], [pca, probe]])
    }
}
