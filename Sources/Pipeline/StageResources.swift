import Yams

/// What a stage asks a cluster for: `resources: {cpus: 2, mem: 4G, time: "01:00:00", partition: debug, parallel: 4}`.
///
/// Local runs count `cpus` against `make -j` (a stage asking for all of them runs alone) and
/// ignore the rest; the Slurm executor turns it into `#SBATCH` lines and Kubernetes manifests
/// into requests. `parallel` caps how many expansions of a matrix stage run at once (`--array=0-N%K`).
/// Values are literal (no `${...}`): they describe the stage declaration, shared by every expansion.
public struct StageResources: Sendable, Equatable {
    public var cpus: Int?
    /// Slurm memory syntax: a number with an optional K, M, G or T suffix (`4G`, `500M`).
    public var memory: String?
    /// Slurm time syntax: minutes, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`.
    public var time: String?
    public var partition: String?
    public var parallel: Int?

    public init(cpus: Int? = nil, memory: String? = nil, time: String? = nil, partition: String? = nil, parallel: Int? = nil) {
        self.cpus = cpus
        self.memory = memory
        self.time = time
        self.partition = partition
        self.parallel = parallel
    }

    /// What a stage without `resources:` gets: one CPU, the cluster's default memory, time and partition.
    public static let defaults = StageResources(cpus: 1)

    /// `self`'s values where set, else `fallback`'s.
    public func merged(over fallback: StageResources) -> StageResources {
        StageResources(cpus: cpus ?? fallback.cpus, memory: memory ?? fallback.memory, time: time ?? fallback.time,
                       partition: partition ?? fallback.partition, parallel: parallel ?? fallback.parallel)
    }

    static let keys = ["cpus", "mem", "time", "partition", "parallel"]

    /// Reads a `resources:` map, with located errors for unknown keys and malformed values.
    init(node: Node, reader: NodeReader, what: String) throws(PipelineError) {
        self.init()
        for entry in try reader.entries(node, what: "resources of \(what)", allowed: StageResources.keys) {
            let text = try reader.string(entry.value, what: "\(entry.key) in resources of \(what)")
            func invalid(_ expected: String) -> PipelineError {
                PipelineError(.wrongType, at: reader.location(entry.value),
                              "invalid \(entry.key) '\(text)' in resources of \(what)", hint: "expected \(expected)")
            }
            switch entry.key {
            case "cpus", "parallel":
                guard let n = Int(text), n > 0 else { throw invalid("a positive whole number") }
                if entry.key == "cpus" { cpus = n } else { parallel = n }
            case "mem":
                guard StageResources.isMemory(text) else { throw invalid("a size such as 500M, 4G or 4096 (MB)") }
                memory = text
            case "time":
                guard StageResources.isTime(text) else { throw invalid("a Slurm time such as 30 (minutes), \"01:00:00\" or \"1-12:00:00\"; quote it") }
                time = text
            default:
                guard !text.isEmpty, text.utf8.allSatisfy({ c in
                    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c == 45 || c == 46
                }) else { throw invalid("a partition name (letters, digits, '_', '-', '.')") }
                partition = text
            }
        }
    }

    static func isMemory(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = digits.last, "KMGTkmgt".contains(last) { digits = digits.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit) && Int(digits).map { $0 > 0 } == true
    }

    static func isTime(_ text: String) -> Bool {
        var rest = Substring(text)
        if let dash = rest.firstIndex(of: "-") {
            let days = rest[..<dash]
            guard !days.isEmpty, days.allSatisfy(\.isASCIIDigit) else { return false }
            rest = rest[rest.index(after: dash)...]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        return true
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
