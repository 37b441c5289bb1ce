import XCTest
import Plot

/// A bare panel: no ticks, labels or title, so the plot area is easy to find.
func barePanel(_ marks: [Mark], xLimits: ClosedRange<Double>? = nil, yLimits: ClosedRange<Double>? = nil) -> Panel {
    Panel(marks: marks, xLimits: xLimits, yLimits: yLimits, xTicks: .hidden, yTicks: .hidden, legend: .hidden)
}

/// Renders `figure` and returns its pixels and layout.
func render(_ figure: Figure) throws -> (Raster, FigureLayout) {
    (try Renderer.raster(figure), try Renderer.layout(figure))
}

/// The pixel under a point given in page points.
func pixel(_ raster: Raster, _ figure: Figure, x: Double, y: Double) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
    let scale = figure.dpi / 72
    return raster[Int(x * scale), Int(y * scale)]
}

func assertColor(_ p: (r: UInt8, g: UInt8, b: UInt8, a: UInt8), _ c: Color, tolerance: Int = 0,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    let (r, g, b) = c.rgb8
    let ok = abs(Int(p.r) - Int(r)) <= tolerance && abs(Int(p.g) - Int(g)) <= tolerance && abs(Int(p.b) - Int(b)) <= tolerance
    XCTAssertTrue(ok, "pixel \(p) is not \(c.rgb8) ± \(tolerance) \(message)", file: file, line: line)
}

/// Runs a command-line tool, or returns nil if it is not installed.
func runTool(_ name: String, _ arguments: [String]) throws -> String? {
    let candidates = ["/usr/bin/\(name)", "/usr/local/bin/\(name)", "/opt/homebrew/bin/\(name)"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = Pipe()
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(name).path
}
