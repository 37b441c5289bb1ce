import Foundation

/// Training progress on stderr: a redrawn bar on a terminal, occasional plain lines otherwise
/// (logs, CI), nothing when silenced.
public struct Progress: Sendable {
    public enum Style: Sendable { case bar, lines, silent }
    public var style: Style
    private var lastDraw: Double = 0
    private var lastLineStep = -1
    /// A file to append `NN% message` lines to, for a pipeline's live status
    /// (`REDERIVE_PROGRESS`, set by `rederive make` for its stages).
    public var progressFile: String?
    private var lastFileWrite: Double = 0

    public init(style: Style, progressFile: String? = ProcessInfo.processInfo.environment["REDERIVE_PROGRESS"]) {
        self.style = style
        self.progressFile = progressFile.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A bar on a TTY unless `CI=true`; plain lines otherwise.
    public static func automatic() -> Progress {
        let ci = ProcessInfo.processInfo.environment["CI"] == "true"
        return Progress(style: isatty(STDERR_FILENO) == 1 && !ci ? .bar : .lines)
    }

    public mutating func update(step: Int, total: Int, loss: Float, tokensPerSecond: Double, secondsLeft: Double) {
        if let progressFile {
            let now = Date().timeIntervalSince1970
            if now - lastFileWrite > 0.5 || step == total, let handle = FileHandle(forWritingAtPath: progressFile) ?? Self.create(progressFile) {
                lastFileWrite = now
                handle.seekToEndOfFile()
                handle.write(Data("\(total > 0 ? 100 * step / total : 100)% step \(step)/\(total) loss \(format(loss))\n".utf8))
                try? handle.close()
            }
        }
        switch style {
        case .silent: return
        case .bar:
            let now = Date().timeIntervalSince1970
            guard now - lastDraw > 0.1 || step == total else { return }
            lastDraw = now
            let width = 30, filled = total > 0 ? width * step / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "\r[\(bar)] step \(step)/\(total)  loss \(format(loss))  \(Int(tokensPerSecond)) tok/s  ETA \(Self.duration(secondsLeft))   "
            FileHandle.standardError.write(Data(line.utf8))
            if step == total { FileHandle.standardError.write(Data("\n".utf8)) }
        case .lines:
            // About ten lines per run, plus the last step.
            let every = max(1, total / 10)
            guard step / every != lastLineStep / every || step == total, step != lastLineStep else { return }
            lastLineStep = step
            message("step \(step)/\(total) loss \(format(loss)) \(Int(tokensPerSecond)) tok/s ETA \(Self.duration(secondsLeft))")
        }
    }

    /// A line of its own (ends the bar's line first).
    public func message(_ text: String) {
        guard style != .silent else { return }
        let prefix = style == .bar ? "\n" : ""
        FileHandle.standardError.write(Data((prefix + text + "\n").utf8))
    }

    private static func create(_ path: String) -> FileHandle? {
        FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
    }

    private func format(_ x: Float) -> String { String(format: "%.4f", Double(x)) }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 60 ? "\(s / 60)m\(String(format: "%02d", s % 60))s" : "\(s)s"
    }
}
