import Foundation

/// The lines `make` redraws on a terminal while stages run (ninja's status printer): how many
/// stages are done, and each running stage with its time and last progress. In-process runners
/// report progress through `reporter(for:)`, from their own threads; child processes append
/// lines to their progress file, read here.
struct LiveStatus {
    /// A running stage as the builder shows it.
    struct Row {
        var name: String
        var started: Double
        var progressFile: String
    }

    private let console: Console
    private let reported = LockedState([Int: (Double?, String?)]())

    init(console: Console) { self.console = console }

    /// What stage `i`'s context calls with a fraction (nil: unknown) and a short message.
    func reporter(for i: Int) -> @Sendable (Double?, String?) -> Void {
        let reported = self.reported
        return { fraction, message in reported.withLock { $0[i] = (fraction, message) } }
    }

    /// Stage `i` ended: its progress is no longer shown.
    func forget(_ i: Int) { reported.withLock { _ = $0.removeValue(forKey: i) } }

    /// Redraws the status; `running` by stage index.
    func draw(done: Int, total: Int, interrupted: Bool, running: [Int: Row]) {
        guard console.isInteractive else { return }
        let now = AtomicFileIO.monotonicSeconds()
        let snapshot = reported.withLock { $0 }
        var lines = ["[\(done)/\(total)] \(running.count) running" + (interrupted ? " - interrupted, stopping..." : "")]
        for (i, row) in running.sorted(by: { $0.key < $1.key }) {
            var text = "  \u{25B8} \(row.name)  \(String(format: "%.1fs", now - row.started))"
            if let (fraction, message) = snapshot[i] ?? Self.readProgressFile(row.progressFile) {
                if let fraction { text += String(format: "  %3.0f%%", fraction * 100) }
                if let message { text += "  " + message }
            }
            lines.append(text)
        }
        console.live(lines)
    }

    /// The last line of a stage's progress file: `0.42 message` or `42% message`.
    static func readProgressFile(_ path: String) -> (Double?, String?)? {
        guard let bytes = try? AtomicFileIO.readIfExists(path), !bytes.isEmpty else { return nil }
        guard let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").last else { return nil }
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        guard let first = parts.first else { return nil }
        let message = parts.count > 1 ? parts[1] : nil
        if first.hasSuffix("%"), let percent = Double(first.dropLast()) { return (percent / 100, message) }
        if let fraction = Double(first) { return (fraction, message) }
        return (nil, String(line))
    }
}
