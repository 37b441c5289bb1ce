/// Slurm's time format, as in `--time` and in `scontrol show job`'s `RunTime`.
public enum SlurmTime {
    /// `30` (minutes), `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`, in seconds; nil for
    /// anything else.
    public static func seconds(_ time: String) -> Int? {
        var days = 0
        var rest = Substring(time)
        let hasDays = rest.contains("-")
        if let dash = rest.firstIndex(of: "-") {
            guard let d = Int(rest[..<dash]) else { return nil }
            days = d
            rest = rest[rest.index(after: dash)...]
        }
        let parts = rest.split(separator: ":").map { Int($0) }
        guard !parts.contains(where: { $0 == nil }) else { return nil }
        let n = parts.map { $0! }
        let seconds: Int
        switch (hasDays, n.count) {
        case (false, 1): seconds = n[0] * 60
        case (false, 2): seconds = n[0] * 60 + n[1]
        case (false, 3): seconds = n[0] * 3600 + n[1] * 60 + n[2]
        case (true, 1): seconds = n[0] * 3600
        case (true, 2): seconds = n[0] * 3600 + n[1] * 60
        case (true, 3): seconds = n[0] * 3600 + n[1] * 60 + n[2]
        default: return nil
        }
        return days * 86400 + seconds
    }
}
