#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `make` talks to people. On a terminal it keeps a live block at the bottom of stderr
/// (stages done out of total, each running stage with its progress); in logs and CI it prints
/// one line per event and nothing else.
public final class Console: @unchecked Sendable {
    public let isInteractive: Bool
    public let quiet: Bool
    private var liveLines = 0
    private let lock = LockedState(())

    /// `interactive` defaults to whether stderr is a terminal.
    public init(interactive: Bool? = nil, quiet: Bool = false) {
        self.isInteractive = interactive ?? (isatty(2) == 1)
        self.quiet = quiet
    }

    /// A line that stays (stdout).
    public func line(_ text: String) {
        guard !quiet else { return }
        lock.withLock { _ in
            clearLive()
            Console.write(1, text + "\n")
        }
    }

    /// An error line (stderr), printed even when quiet.
    public func error(_ text: String) {
        lock.withLock { _ in
            clearLive()
            Console.write(2, text + "\n")
        }
    }

    /// Redraws the live block (terminal only).
    func live(_ lines: [String]) {
        guard isInteractive, !quiet else { return }
        lock.withLock { _ in
            clearLive()
            var width = winsize()
            let columns = ioctl(2, UInt(TIOCGWINSZ), &width) == 0 && width.ws_col > 0 ? Int(width.ws_col) : 100
            // Wrapped, never cut: the end of a line is often its advice or a path to open.
            let rows = lines.flatMap { Console.wrap($0, columns: columns) }
            Console.write(2, rows.joined(separator: "\n") + "\n")
            liveLines = rows.count
        }
    }

    /// `text` as rows shorter than `columns` (the terminal would wrap a full one itself, and the
    /// live block would miscount its rows), broken after a space or a slash when one is in the
    /// row's second half; continuation rows are indented.
    public static func wrap(_ text: String, columns: Int, indent: String = "      ") -> [String] {
        let width = max(columns - 1, indent.count + 8)
        var rows = [String]()
        var rest = Substring(text)
        var prefix = ""
        while prefix.count + rest.count > width {
            let room = width - prefix.count
            let window = rest.prefix(room)
            var cut = window.endIndex
            if rest[cut] == " " {
                // The row ends at a word's end already.
            } else if let space = window.lastIndex(where: { $0 == " " || $0 == "/" }), window.distance(from: window.startIndex, to: space) >= room / 2 {
                cut = window.index(after: space)
            }
            rows.append(prefix + rest[..<cut].trimmingSuffix(" "))
            rest = rest[cut...].drop { $0 == " " }
            prefix = indent
        }
        if !rest.isEmpty || rows.isEmpty { rows.append(prefix + rest) }
        return rows
    }

    func endLive() {
        lock.withLock { _ in clearLive() }
    }

    private func clearLive() {
        guard liveLines > 0 else { return }
        Console.write(2, "\u{1B}[\(liveLines)A\u{1B}[J")
        liveLines = 0
    }

    static func write(_ fd: Int32, _ text: String) {
        var copy = text
        copy.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { if errno == EINTR { continue }; return }
                offset += n
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingSuffix(_ character: Character) -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == character { end = index(before: end) }
        return self[startIndex..<end]
    }
}
