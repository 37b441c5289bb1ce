import Foundation

/// Phase timings of one command, printed to stderr when `REDERIVE_PROFILE` is set: how the
/// no-op budget is spent (process start, YAML, expansion, lock, stat/hash).
final class PhaseTimer: @unchecked Sendable {
    static let shared = PhaseTimer()
    let enabled = ProcessInfo.processInfo.environment["REDERIVE_PROFILE"] != nil
    private var last = AtomicFileIO.monotonicSeconds()
    private var lines = [String]()

    func mark(_ phase: String) {
        guard enabled else { return }
        let now = AtomicFileIO.monotonicSeconds()
        let padded = phase.count < 28 ? phase + String(repeating: " ", count: 28 - phase.count) : phase
        lines.append(padded + String(format: "%7.2f ms", (now - last) * 1000))
        last = now
    }

    func report() {
        guard enabled else { return }
        Console.write(2, lines.joined(separator: "\n") + "\n")
    }
}
