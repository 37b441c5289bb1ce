import Foundation

/// Times the reference figure: build + layout + draw + encode + write, per format, like
/// mpl_bench.py (median of the renders after the first).
public enum PlotBenchmark {
    public struct Result: Sendable {
        public var pngMillisecondsMedian: Double
        public var pdfMillisecondsMedian: Double
        public var pngFirstMilliseconds: Double
        public var pdfFirstMilliseconds: Double
        public var files: [String]
        public var repetitions: Int
    }

    public static func run(outputDirectory: String, repetitions: Int) throws -> Result {
        let data = try ReferenceFigure.data()
        let png = (outputDirectory as NSString).appendingPathComponent("figure.png")
        let pdf = (outputDirectory as NSString).appendingPathComponent("figure.pdf")
        func time(_ body: () throws -> Void) rethrows -> [Double] {
            try (0..<max(repetitions, 1)).map { _ in
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            }
        }
        let pngTimes = try time { try ReferenceFigure.figure(data).writePNG(to: png, source: "shared/reference/mpl_bench.py") }
        let pdfTimes = try time { try ReferenceFigure.figure(data).writePDF(to: pdf) }
        func median(_ t: [Double]) -> Double {
            let rest = (t.count > 1 ? Array(t.dropFirst()) : t).sorted()
            return rest[rest.count / 2]
        }
        return Result(pngMillisecondsMedian: median(pngTimes), pdfMillisecondsMedian: median(pdfTimes),
                      pngFirstMilliseconds: pngTimes[0], pdfFirstMilliseconds: pdfTimes[0], files: [png, pdf],
                      repetitions: max(repetitions, 1))
    }
}
