import Foundation

/// One record of `scontrol show job -o`: a job, an array task, or the still-pending rest of an
/// array (whose `ArrayTaskId` is a range such as `2-3%2`).
public struct SlurmJobRecord: Sendable, Equatable {
    public var jobId: String
    public var arrayJobId: String?
    /// The array task ids this record stands for; nil for a job that is not an array.
    public var arrayTasks: [Int]?
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`, ...
    public var state: String
    public var reason: String
    /// `status:signal`, e.g. `1:0`.
    public var exitCode: String
    public var runSeconds: Double?
    public var standardOutput: String?

    public init(jobId: String, arrayJobId: String?, arrayTasks: [Int]?, state: String, reason: String, exitCode: String,
                runSeconds: Double?, standardOutput: String?) {
        self.jobId = jobId
        self.arrayJobId = arrayJobId
        self.arrayTasks = arrayTasks
        self.state = state
        self.reason = reason
        self.exitCode = exitCode
        self.runSeconds = runSeconds
        self.standardOutput = standardOutput
    }

    public var isFinished: Bool { !SlurmQueue.activeStates.contains(state) }
    public var succeeded: Bool { state == "COMPLETED" }
    /// Slurm killed it because a job it depended on failed (`--kill-on-invalid-dep`), or it waits forever for one.
    public var dependencyFailed: Bool { reason == "DependencyNeverSatisfied" }
}

/// Parsing what Slurm's commands print. Only squeue/scontrol are used (never sacct, which needs
/// slurmdbd): `scontrol show job` keeps finished jobs for `MinJobAge` seconds (300 by default),
/// far longer than the controller's poll interval.
public enum SlurmQueue {
    static let activeStates: Set<String> = ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING",
                                            "SUSPENDED", "STAGE_OUT", "SIGNALING", "REQUEUE_HOLD", "REQUEUE_FED", "STOPPED"]

    /// Parses `scontrol show job -o` output: one line per record of `Key=Value` pairs.
    public static func parseShowJob(_ text: String) -> [SlurmJobRecord] {
        var records = [SlurmJobRecord]()
        for line in text.split(separator: "\n") {
            let fields = parseFields(line)
            guard let jobId = fields["JobId"], let state = fields["JobState"] else { continue }
            records.append(SlurmJobRecord(
                jobId: jobId, arrayJobId: fields["ArrayJobId"],
                arrayTasks: fields["ArrayTaskId"].flatMap(parseTaskIds),
                state: state, reason: fields["Reason"] ?? "", exitCode: fields["ExitCode"] ?? "",
                runSeconds: fields["RunTime"].flatMap(SlurmTime.seconds).map(Double.init),
                standardOutput: fields["StdOut"]))
        }
        return records
    }

    /// `Key=Value Key=Value ...`; a word without `=` continues the previous value (a path with spaces).
    static func parseFields(_ line: Substring) -> [String: String] {
        var fields = [String: String]()
        var lastKey: String?
        for word in line.split(separator: " ") {
            if let eq = word.firstIndex(of: "="), word[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "/" || $0 == ":" || $0 == "_" }) {
                let key = String(word[..<eq])
                fields[key] = String(word[word.index(after: eq)...])
                lastKey = key
            } else if let key = lastKey {
                fields[key, default: ""] += " " + word
            }
        }
        return fields
    }

    /// `3`, `0-3`, `1,3-5`, `0-9:2`, with an optional `%K` throttle; nil when malformed.
    public static func parseTaskIds(_ text: String) -> [Int]? {
        let spec = text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text
        var ids = [Int]()
        for part in spec.split(separator: ",") {
            let stepParts = part.split(separator: ":")
            let step = stepParts.count > 1 ? Int(stepParts[1]) ?? 1 : 1
            let bounds = stepParts[0].split(separator: "-")
            guard let low = Int(bounds[0]) else { return nil }
            let high = bounds.count > 1 ? Int(bounds[1]) ?? low : low
            guard high >= low, step > 0 else { return nil }
            ids += stride(from: low, through: high, by: step)
        }
        return ids.isEmpty ? nil : ids
    }

    /// The job id from `sbatch --parsable` (`12` or `12;cluster`).
    public static func parseSubmission(_ text: String) -> String? {
        let first = text.split(whereSeparator: { $0 == "\n" || $0 == ";" }).first.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let first, !first.isEmpty, first.allSatisfy(\.isNumber) else { return nil }
        return first
    }
}

/// What the controller needs from Slurm; a protocol so tests can stand in for a cluster.
public protocol SlurmClient: Sendable {
    /// Submits a script; returns the job id.
    func submit(scriptPath: String, dependencies: [String]) throws(PipelineError) -> String
    /// The job's records (one per array task once they start); nil when Slurm no longer knows it.
    func show(jobId: String) throws(PipelineError) -> [SlurmJobRecord]?
    func cancel(_ jobIds: [String])
}

/// Runs `sbatch`, `scontrol` and `scancel` found on PATH.
public struct CommandLineSlurm: SlurmClient {
    public init() {}

    public func submit(scriptPath: String, dependencies: [String]) throws(PipelineError) -> String {
        var arguments = ["--parsable"]
        if !dependencies.isEmpty { arguments.append("--dependency=afterok:" + dependencies.joined(separator: ":")) }
        arguments.append(scriptPath)
        let (status, output, errors) = try CommandLineSlurm.run("sbatch", arguments)
        guard status == 0, let id = SlurmQueue.parseSubmission(output) else {
            throw PipelineError(.io, at: nil, "sbatch \(scriptPath) failed: \(errors.isEmpty ? output : errors)",
                                hint: "check the #SBATCH lines (resources: in the pipeline file) against `sinfo`")
        }
        return id
    }

    public func show(jobId: String) throws(PipelineError) -> [SlurmJobRecord]? {
        let (status, output, errors) = try CommandLineSlurm.run("scontrol", ["show", "job", "-o", jobId])
        if status != 0 {
            if errors.contains("Invalid job id") { return nil }
            throw PipelineError(.io, at: nil, "scontrol show job \(jobId) failed: \(errors)", hint: "is slurmctld running? try `sinfo`")
        }
        return SlurmQueue.parseShowJob(output)
    }

    public func cancel(_ jobIds: [String]) {
        guard !jobIds.isEmpty else { return }
        _ = try? CommandLineSlurm.run("scancel", jobIds)
    }

    /// Runs a Slurm command (found on PATH) and collects its exit status, stdout and stderr.
    static func run(_ command: String, _ arguments: [String]) throws(PipelineError) -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw PipelineError(.io, at: nil, "cannot run \(command): \(error)", hint: "is Slurm installed? (Scripts/slurm-local.sh sets up one node)")
        }
        // Read both pipes at once: a full stderr pipe must not block the child while we read stdout.
        let errData = LockedState(Data())
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            done.signal()
        }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        done.wait()
        let errors = errData.withLock { String(decoding: $0, as: UTF8.self) }.trimmingCharacters(in: .whitespacesAndNewlines)
        if process.terminationStatus == 127 && errors.contains("No such file") {
            throw PipelineError(.io, at: nil, "\(command) not found", hint: "install Slurm's client commands, or run Scripts/slurm-local.sh")
        }
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), errors)
    }
}
