import Foundation
import XCTest

/// A report page laid out by headless Chromium at a window width: the widest element's right
/// edge, the page's scroll width, and the tops of the first row of images (equal: side by
/// side). The page is copied with a measuring script added; the page itself has none.
struct PageLayout {
    var widestRight: Int
    var scrollWidth: Int
    var imageTops: [Int]

    static func measure(_ page: String, width: Int) throws -> PageLayout {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("no Chromium (Debian package 'chromium', which ./make.sh test installs as root)")
        }
        let folder = (page as NSString).deletingLastPathComponent
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertFalse(html.contains("<script") || html.contains("http://") || html.contains("https://"), "the page works offline, without scripts")
        let script = """
            <script>window.addEventListener('load', () => setTimeout(() => {
              let right = 0; for (const e of document.body.querySelectorAll('*')) right = Math.max(right, e.getBoundingClientRect().right);
              const tops = [...(document.querySelector('div.images')?.querySelectorAll('img') ?? [])].map(i => Math.round(i.getBoundingClientRect().top));
              document.title = 'LAYOUT ' + Math.ceil(right) + ' ' + document.documentElement.scrollWidth + ' ' + tops.join(',');
            }, 50));</script>
            """
        let copy = folder + "/measured-\(UUID().uuidString).html"
        try html.replacingOccurrences(of: "</body>", with: script + "</body>").write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--user-data-dir=\(folder)/chromium-profile",
                             "--window-size=\(width),900", "--virtual-time-budget=5000", "--dump-dom", "file://\(copy)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A hung browser must not hang the suite.
        DispatchQueue.global().asyncAfter(deadline: .now() + 120) { if process.isRunning { process.terminate() } }
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder + "/chromium-profile")
        guard let start = dom.range(of: "<title>LAYOUT "), let end = dom[start.upperBound...].range(of: "</title>") else {
            throw XCTSkip("Chromium did not lay out the page")
        }
        let fields = dom[start.upperBound..<end.lowerBound].split(separator: " ", omittingEmptySubsequences: false)
        return PageLayout(widestRight: Int(fields[0]) ?? .max, scrollWidth: Int(fields[1]) ?? .max,
                          imageTops: fields.count > 2 ? fields[2].split(separator: ",").compactMap { Int($0) } : [])
    }

    /// Fits `width` with no horizontal scrolling; images side by side at 1280 px, stacked at 520.
    static func check(_ page: String, images: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let wide = try measure(page, width: 1280)
        XCTAssertLessThanOrEqual(wide.widestRight, 1280, "an element is wider than the window", file: file, line: line)
        XCTAssertLessThanOrEqual(wide.scrollWidth, 1280, file: file, line: line)
        XCTAssertEqual(wide.imageTops.count, images, file: file, line: line)
        XCTAssertEqual(Set(wide.imageTops).count, images == 0 ? 0 : 1, "side by side at 1280 px: \(wide.imageTops)", file: file, line: line)
        let narrow = try measure(page, width: 520)
        XCTAssertLessThanOrEqual(narrow.scrollWidth, 520, file: file, line: line)
        if images > 1 { XCTAssertEqual(Set(narrow.imageTops).count, images, "stacked at 520 px: \(narrow.imageTops)", file: file, line: line) }
    }
}
