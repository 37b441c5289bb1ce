import Foundation
import Yams

/// Where and how emitted Kubernetes Jobs run.
public struct KubernetesOptions: Sendable {
    /// A container image with `rederive` on PATH.
    public var image = "rederive:latest"
    /// The PersistentVolumeClaim holding the project (the shared volume every pod mounts).
    public var claimName = "rederive-project"
    /// Where the project is mounted; the pods run there.
    public var mountPath = "/project"
    public var executable = "rederive"

    public init() {}
}

/// A Kubernetes Indexed Job for one `ClusterJob`: `completionMode: Indexed`, one completion per
/// expansion, and `JOB_COMPLETION_INDEX` picking the expansion via `run-stage --index-env`.
/// Kubernetes has no job dependencies, so the order lives in the `rederive/after` annotation and
/// in the emitted `apply.sh`, which waits for each job's dependencies before applying it.
public struct KubernetesManifest: Sendable {
    public var job: ClusterJob
    public var pipelineName: String
    /// The pipeline file relative to the project root (the pods' working folder).
    public var pipelinePath: String
    public var overrides: [String]
    public var dependencyNames: [String]
    public var options: KubernetesOptions
    /// `run-stage --force`: run even if the stage turns out up to date in the pod.
    public var force: Bool

    public init(job: ClusterJob, pipelineName: String, pipelinePath: String, overrides: [String], dependencyNames: [String],
                options: KubernetesOptions, force: Bool = false) {
        self.job = job
        self.pipelineName = pipelineName
        self.pipelinePath = pipelinePath
        self.overrides = overrides
        self.dependencyNames = dependencyNames
        self.options = options
        self.force = force
    }

    /// A DNS-1123 name: lower case letters, digits and '-', at most 63 characters.
    public static func resourceName(pipeline: String, job: String) -> String {
        var name = String(("rederive-" + pipeline + "-" + job).lowercased().map { c -> Character in
            (c.isASCII && (c.isLetter || c.isNumber)) ? c : "-"
        })
        while name.contains("--") { name = name.replacingOccurrences(of: "--", with: "-") }
        if name.count > 63 { name = String(name.prefix(54)) + "-" + String(SHA256.hex(name).prefix(8)) }
        while name.hasSuffix("-") { name.removeLast() }
        return name
    }

    /// A label value: letters, digits, '-', '_' and '.', at most 63 characters.
    static func labelValue(_ text: String) -> String {
        String(text.map { c -> Character in c.isASCII && (c.isLetter || c.isNumber || "-_.".contains(c)) ? c : "_" }.prefix(63))
    }

    public var name: String { KubernetesManifest.resourceName(pipeline: pipelineName, job: job.name) }

    /// Slurm memory (`4G`, `500M`, `4096` meaning MB) as a Kubernetes quantity (`4Gi`, `500Mi`, `4096Mi`).
    public static func quantity(memory: String) -> String {
        guard let last = memory.last, last.isLetter else { return memory + "Mi" }
        return String(memory.dropLast()) + (last.uppercased() == "K" ? "Ki" : last.uppercased() + "i")
    }

    public var command: [String] {
        var command = [options.executable, "run-stage", pipelinePath]
        for text in overrides { command += ["-S", text] }
        if force { command.append("--force") }
        return command + ["--record", "--index-env", "JOB_COMPLETION_INDEX", "--"] + job.stageNames
    }

    /// The manifest as a YAML node, keys in the order people write them.
    public var node: Node {
        func map(_ pairs: [(String, Node)]) -> Node { Node.mapping(Node.Mapping(pairs.map { (Node($0.0), $0.1) })) }
        func text(_ s: String) -> Node { Node(s, Tag(.str), .doubleQuoted) }
        func list(_ items: [Node]) -> Node { Node.sequence(Node.Sequence(items)) }
        let labels = map([("app.kubernetes.io/name", text("rederive")), ("rederive/pipeline", text(KubernetesManifest.labelValue(pipelineName))),
                          ("rederive/job", text(name))])
        var requests = [(String, Node)]()
        var limits = [(String, Node)]()
        if let cpus = job.resources.cpus { requests.append(("cpu", text(String(cpus)))) }
        if let memory = job.resources.memory {
            requests.append(("memory", text(KubernetesManifest.quantity(memory: memory))))
            limits.append(("memory", text(KubernetesManifest.quantity(memory: memory))))
        }
        var resources = [(String, Node)]()
        if !requests.isEmpty { resources.append(("requests", map(requests))) }
        if !limits.isEmpty { resources.append(("limits", map(limits))) }
        var container: [(String, Node)] = [
            ("name", text("run-stage")),
            ("image", text(options.image)),
            ("workingDir", text(options.mountPath)),
            ("command", list(command.map(text))),
            ("env", list([map([("name", text("REDERIVE_PIPELINE")), ("value", text(pipelineName))])])),
        ]
        if !resources.isEmpty { container.append(("resources", map(resources))) }
        container.append(("volumeMounts", list([map([("name", text("project")), ("mountPath", text(options.mountPath))])])))
        var spec: [(String, Node)] = [
            ("completionMode", text("Indexed")),
            ("completions", Node(String(job.stages.count), Tag(.int))),
            ("parallelism", Node(String(min(job.resources.parallel ?? job.stages.count, job.stages.count)), Tag(.int))),
            ("backoffLimit", Node("0", Tag(.int))),
        ]
        if let time = job.resources.time, let seconds = SlurmTime.seconds(time) {
            spec.append(("activeDeadlineSeconds", Node(String(seconds), Tag(.int))))
        }
        spec.append(("template", map([
            ("metadata", map([("labels", labels)])),
            ("spec", map([
                ("restartPolicy", text("Never")),
                ("containers", list([map(container)])),
                ("volumes", list([map([("name", text("project")),
                                       ("persistentVolumeClaim", map([("claimName", text(options.claimName))]))])])),
            ])),
        ])))
        var annotations: [(String, Node)] = [("rederive/stages", text(job.stageNames.joined(separator: " ")))]
        if !dependencyNames.isEmpty { annotations.append(("rederive/after", text(dependencyNames.joined(separator: " ")))) }
        return map([
            ("apiVersion", text("batch/v1")),
            ("kind", text("Job")),
            ("metadata", map([("name", text(name)), ("labels", labels), ("annotations", map(annotations))])),
            ("spec", map(spec)),
        ])
    }

    public func yaml() throws(PipelineError) -> String {
        do { return try Yams.serialize(node: node) } catch {
            throw PipelineError(.io, at: nil, "cannot write the Kubernetes manifest of \(job.name): \(error)")
        }
    }
}
