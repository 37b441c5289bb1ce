#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C as a flag the trainer polls at step boundaries, so a run stops between steps with a
/// checkpoint instead of dying mid-write.
public enum InterruptFlag {
    nonisolated(unsafe) private static var raised: sig_atomic_t = 0

    /// Installs the SIGINT handler. A second Ctrl-C while stopping restores the default action.
    public static func install() {
        signal(SIGINT) { _ in
            if InterruptFlag.raised != 0 { signal(SIGINT, SIG_DFL) }
            InterruptFlag.raised = 1
        }
    }

    public static var isRaised: Bool { raised != 0 }
}
