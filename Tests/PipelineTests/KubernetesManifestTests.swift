import Foundation
import XCTest
import Yams
import Pipeline

/// `make --emit k8s DIR`: Indexed Job manifests, checked by parsing them back.
final class KubernetesManifestTests: XCTestCase {
    func emit(_ project: TestProject, overrides: [String] = []) throws -> [String] {
        var options = MakeOptions()
        options.overrides = try overrides.map { try ParamOverride.parse($0) }
        var kubernetes = KubernetesOptions()
        kubernetes.image = "registry.example/rederive:1"
        return try PipelineCommands.emit([project.pipelinePath], format: .k8s, folder: project.root + "/k8s", options: options,
                                         slurm: SlurmOptions(executable: "/unused"), kubernetes: kubernetes, registry: project.registry,
                                         console: Console(interactive: false, quiet: true), directory: project.root)
    }

    func load(_ path: String) throws -> [String: Any] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any], path)
    }

    func testIndexedJobPerStageWithCompletionIndexSelectingTheExpansion() throws {
        let project = try TestProject(SlurmExecutorTests.pipeline)
        let files = try emit(project, overrides: ["seeds=[0, 1]"])
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["data.yaml", "train.yaml", "table.yaml", "apply.sh"])

        let train = try load(project.root + "/k8s/train.yaml")
        XCTAssertEqual(train["apiVersion"] as? String, "batch/v1")
        XCTAssertEqual(train["kind"] as? String, "Job")
        let metadata = try XCTUnwrap(train["metadata"] as? [String: Any])
        XCTAssertEqual(metadata["name"] as? String, "rederive-p-train")
        let annotations = try XCTUnwrap(metadata["annotations"] as? [String: Any])
        XCTAssertEqual(annotations["rederive/after"] as? String, "rederive-p-data")

        let spec = try XCTUnwrap(train["spec"] as? [String: Any])
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        XCTAssertEqual(spec["completions"] as? Int, 2)
        XCTAssertEqual(spec["parallelism"] as? Int, 2)
        XCTAssertEqual(spec["backoffLimit"] as? Int, 0)
        let template = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        XCTAssertEqual(template["restartPolicy"] as? String, "Never")
        let container = try XCTUnwrap((template["containers"] as? [[String: Any]])?.first)
        XCTAssertEqual(container["image"] as? String, "registry.example/rederive:1")
        XCTAssertEqual(container["workingDir"] as? String, "/project")
        let command = try XCTUnwrap(container["command"] as? [String])
        XCTAssertEqual(command, ["rederive", "run-stage", "Pipelines/p.yaml", "-S", "seeds=[0, 1]", "--record",
                                 "--index-env", "JOB_COMPLETION_INDEX", "--", "train@seed=0", "train@seed=1"])
        let resources = try XCTUnwrap(container["resources"] as? [String: Any])
        XCTAssertEqual((resources["requests"] as? [String: Any])?["memory"] as? String, "100Mi")
        XCTAssertEqual((resources["requests"] as? [String: Any])?["cpu"] as? String, "1")
        XCTAssertEqual((resources["limits"] as? [String: Any])?["memory"] as? String, "100Mi")

        // The shared volume: mounted where the pods work, from one claim.
        let mounts = try XCTUnwrap(container["volumeMounts"] as? [[String: Any]])
        XCTAssertEqual(mounts.first?["mountPath"] as? String, "/project")
        let volumes = try XCTUnwrap(template["volumes"] as? [[String: Any]])
        XCTAssertEqual(volumes.first?["name"] as? String, mounts.first?["name"] as? String)
        XCTAssertEqual((volumes.first?["persistentVolumeClaim"] as? [String: Any])?["claimName"] as? String, "rederive-project")

        // A stage without a matrix is an Indexed Job of one completion.
        let data = try load(project.root + "/k8s/data.yaml")
        let dataSpec = try XCTUnwrap(data["spec"] as? [String: Any])
        XCTAssertEqual(dataSpec["completions"] as? Int, 1)
        XCTAssertNil((data["metadata"] as? [String: Any]).flatMap { ($0["annotations"] as? [String: Any])?["rederive/after"] })

        // apply.sh waits for each job's dependencies before applying it.
        let apply = try XCTUnwrap(project.read("k8s/apply.sh"))
        let lines = apply.split(separator: "\n").filter { $0.hasPrefix("kubectl") }.map(String.init)
        XCTAssertEqual(lines, [
            "kubectl apply -f \"$here/data.yaml\"",
            "kubectl wait --for=condition=complete --timeout=-1s job/rederive-p-data",
            "kubectl apply -f \"$here/train.yaml\"",
            "kubectl wait --for=condition=complete --timeout=-1s job/rederive-p-train",
            "kubectl apply -f \"$here/table.yaml\"",
        ])
    }

    func testNamesQuantitiesAndDeadlines() {
        XCTAssertEqual(KubernetesManifest.resourceName(pipeline: "previous-token", job: "train.2"), "rederive-previous-token-train-2")
        let long = KubernetesManifest.resourceName(pipeline: String(repeating: "x", count: 80), job: "Train_A")
        XCTAssertLessThanOrEqual(long.count, 63)
        XCTAssertTrue(long.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" })
        XCTAssertEqual(KubernetesManifest.quantity(memory: "4G"), "4Gi")
        XCTAssertEqual(KubernetesManifest.quantity(memory: "512k"), "512Ki")
        XCTAssertEqual(KubernetesManifest.quantity(memory: "4096"), "4096Mi")
        XCTAssertEqual(SlurmTime.seconds("30"), 1800)
        XCTAssertEqual(SlurmTime.seconds("01:00:00"), 3600)
        XCTAssertEqual(SlurmTime.seconds("1-12"), 129600)
        XCTAssertEqual(SlurmTime.seconds("2:30"), 150)
    }

    func testEmitSlurmWritesScriptsAndASubmitScriptInDependencyOrder() throws {
        let project = try TestProject(SlurmExecutorTests.pipeline)
        let files = try PipelineCommands.emit([project.pipelinePath], format: .slurm, folder: "jobs", options: MakeOptions(),
                                              slurm: SlurmOptions(executable: "/opt/rederive"), registry: project.registry,
                                              console: Console(interactive: false, quiet: true), directory: project.root)
        XCTAssertEqual(files.map { ($0 as NSString).lastPathComponent }, ["data.sh", "train.sh", "table.sh", "submit.sh"])
        let submit = try XCTUnwrap(project.read("jobs/submit.sh"))
        let sbatch = submit.split(separator: "\n").filter { $0.contains("sbatch") }.map(String.init)
        XCTAssertEqual(sbatch, [
            "j0=$(sbatch --parsable \"$here/data.sh\"); j0=${j0%%;*}",
            "j1=$(sbatch --parsable --dependency=afterok:$j0 \"$here/train.sh\"); j1=${j1%%;*}",
            "j2=$(sbatch --parsable --dependency=afterok:$j1 \"$here/table.sh\"); j2=${j2%%;*}",
        ])
        let train = try XCTUnwrap(project.read("jobs/train.sh"))
        XCTAssertTrue(train.contains("#SBATCH --array=0-2%2\n"))
        XCTAssertTrue(train.contains("--record --index-env SLURM_ARRAY_TASK_ID -- train@seed=0 train@seed=1 train@seed=2\n"))
        XCTAssertFalse(project.exists("Pipelines/p.lock"))
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: project.root + "/jobs/submit.sh"))
    }
}
