import XCTest
import Pipeline

/// How stages become cluster jobs and sbatch scripts.
final class SlurmScriptTests: XCTestCase {
    let yaml = """
    stages:
      data:
        cmd: seq 1 5 > "$OUT"
        outputs: [artifacts/data.txt]
        resources: {cpus: 2, mem: 4G, time: "01:00:00", partition: debug}
      train:
        cmd: cp "$IN" "$OUT"
        matrix: {seed: [0, 1, 2]}
        inputs: ["stage:data"]
        outputs: ["artifacts/run-${seed}.txt"]
        resources: {parallel: 2}
      table:
        cmd: cat $IN > "$OUT"
        inputs: ["stage:train"]
        outputs: [artifacts/table.txt]
    """

    func pipeline(_ text: String) throws -> Pipeline {
        try PipelineExpander.expand(try PipelineFile.parse(yaml: text, path: "p.yaml", registry: .testKinds), root: "/project")
    }

    func testEachStageIsOneJobAndAMatrixStageIsOneArray() throws {
        let p = try pipeline(yaml)
        let jobs = ClusterPlan.jobs(Array(p.stages.indices), in: p)
        XCTAssertEqual(jobs.map(\.name), ["data", "train", "table"])
        XCTAssertEqual(jobs.map(\.isArray), [false, true, false])
        XCTAssertEqual(jobs[1].stageNames, ["train@seed=0", "train@seed=1", "train@seed=2"])
        XCTAssertEqual(jobs.map(\.dependencies), [[], [0], [1]])
        XCTAssertEqual(jobs[0].resources, StageResources(cpus: 2, memory: "4G", time: "01:00:00", partition: "debug"))
        // Defaults fill what a stage leaves out.
        XCTAssertEqual(jobs[2].resources, StageResources.defaults)
        XCTAssertEqual(jobs[1].resources.parallel, 2)
    }

    func testOnlyTheStagesToRunAreGroupedAndUpToDateDependenciesAreDropped() throws {
        let p = try pipeline(yaml)
        let toRun = [p.index["train@seed=1"]!, p.index["table"]!]
        let jobs = ClusterPlan.jobs(toRun, in: p)
        XCTAssertEqual(jobs.map(\.stageNames), [["train@seed=1"], ["table"]])
        XCTAssertEqual(jobs.map(\.dependencies), [[], [0]])
        XCTAssertTrue(jobs[0].isArray)
    }

    func testAnExpansionReadingItsOwnStageStartsANewJobAfterItsDependency() throws {
        // step@i=1 reads what step@i=0 writes: they cannot share one array.
        let chained = """
        stages:
          step:
            cmd: cp "$IN" "$OUT"
            foreach:
              - {i: 0, from: configs/start.txt}
              - {i: 1, from: artifacts/step-0}
              - {i: 2, from: configs/start.txt}
            inputs: ["${from}"]
            outputs: ["artifacts/step-${i}"]
          last:
            cmd: cat $IN > "$OUT"
            inputs: ["stage:step"]
            outputs: [artifacts/last]
        """
        let p = try pipeline(chained)
        let jobs = ClusterPlan.jobs(Array(p.stages.indices), in: p)
        for (j, job) in jobs.enumerated() { XCTAssertTrue(job.dependencies.allSatisfy { $0 < j }, "\(job.name) depends on a later job") }
        // step@i=2 depends on nothing, so it joins the latest job of its stage.
        XCTAssertEqual(jobs.map { $0.stageNames.map { String($0.prefix { $0 != "," }) } }, [["step@i=0"], ["step@i=1", "step@i=2"], ["last"]])
        XCTAssertEqual(jobs.map(\.name), ["step", "step.2", "last"])
        XCTAssertEqual(jobs.map(\.dependencies), [[], [0], [0, 1]])
    }

    func testScriptHasResourcesArrayLogAndOneRunStageCall() throws {
        let p = try pipeline(yaml)
        let jobs = ClusterPlan.jobs(Array(p.stages.indices), in: p)
        let train = SlurmScript(job: jobs[1], pipelineName: "p", executable: "/opt/bin/rederive", pipelineFile: "/project/Pipelines/p.yaml",
                                root: "/project", outputFolder: "/project/artifacts/logs/p/slurm", overrides: ["seeds=[0, 1]"])
        XCTAssertEqual(train.arraySpec, "0-2%2")
        let lines = train.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "#!/bin/bash")
        XCTAssertTrue(lines.contains("#SBATCH --array=0-2%2"))
        XCTAssertTrue(lines.contains("#SBATCH --job-name=rederive-p-train"))
        XCTAssertTrue(lines.contains("#SBATCH --output=/project/artifacts/logs/p/slurm/train-%A_%a.out"))
        XCTAssertTrue(lines.contains("#SBATCH --chdir=/project"))
        XCTAssertTrue(lines.contains("#SBATCH --cpus-per-task=1"))
        XCTAssertFalse(lines.contains { $0.hasPrefix("#SBATCH --mem") })
        XCTAssertEqual(lines.last, "exec /opt/bin/rederive run-stage /project/Pipelines/p.yaml -S 'seeds=[0, 1]' --index-env SLURM_ARRAY_TASK_ID -- train@seed=0 train@seed=1 train@seed=2")
        // #SBATCH lines come before the first command, or sbatch ignores them.
        let firstCommand = lines.firstIndex { !$0.hasPrefix("#") }!
        XCTAssertFalse(lines[firstCommand...].contains { $0.hasPrefix("#SBATCH") })
        XCTAssertEqual(train.outputPath(jobId: "12", task: 1), "/project/artifacts/logs/p/slurm/train-12_1.out")

        let data = SlurmScript(job: jobs[0], pipelineName: "p", executable: "/opt/bin/rederive", pipelineFile: "/project/Pipelines/p.yaml",
                               root: "/project", outputFolder: "/logs", overrides: [], recordsLock: true)
        XCTAssertNil(data.arraySpec)
        XCTAssertTrue(data.text.contains("#SBATCH --mem=4G\n#SBATCH --time=01:00:00\n#SBATCH --partition=debug\n"))
        XCTAssertTrue(data.text.contains("#SBATCH --cpus-per-task=2\n"))
        XCTAssertTrue(data.text.hasSuffix("exec /opt/bin/rederive run-stage /project/Pipelines/p.yaml --record -- data\n"))
        XCTAssertEqual(data.outputPath(jobId: "7", task: nil), "/logs/data-7.out")
    }

    func testShellQuoting() {
        XCTAssertEqual(ShellQuote.quote("train@layers=2,seed=0"), "train@layers=2,seed=0")
        XCTAssertEqual(ShellQuote.quote("a b"), "'a b'")
        XCTAssertEqual(ShellQuote.quote("it's"), "'it'\\''s'")
        XCTAssertEqual(ShellQuote.quote(""), "''")
        XCTAssertEqual(ShellQuote.quote("$HOME"), "'$HOME'")
    }

    func testResourcesAreValidatedWithLocations() throws {
        func error(_ resources: String) -> PipelineError? {
            let text = "stages:\n  s:\n    cmd: true\n    outputs: [x]\n    resources: \(resources)\n"
            do { _ = try PipelineFile.parse(yaml: text, path: "p.yaml", registry: .testKinds); return nil } catch { return error }
        }
        XCTAssertNil(error(#"{cpus: 4, mem: 500M, time: "1-12:00:00", partition: gpu.a100, parallel: 8}"#))
        XCTAssertNil(error("{time: 30, mem: 4096}"))
        let unknown = try XCTUnwrap(error("{cpu: 2}"))
        XCTAssertEqual(unknown.code, .unknownKey)
        XCTAssertEqual(unknown.location, SourceLocation(file: "p.yaml", line: 5, column: 17))
        XCTAssertTrue(unknown.hint?.contains("cpus") == true)
        for (bad, column) in [("{cpus: 0}", 23), ("{cpus: two}", 23), ("{mem: 4GB}", 22), ("{time: \"1:2:3:4\"}", 23), ("{partition: \"a b\"}", 28)] {
            let e = try XCTUnwrap(error(bad), bad)
            XCTAssertEqual(e.code, .wrongType, bad)
            XCTAssertEqual(e.location?.line, 5, bad)
            XCTAssertEqual(e.location?.column, column, bad)
            XCTAssertNotNil(e.hint, bad)
        }
        XCTAssertEqual(try XCTUnwrap(error("[2]")).code, .wrongType)
    }

    func testResourcesAreParsedOntoEveryExpansion() throws {
        let p = try pipeline(yaml)
        XCTAssertEqual(p.stage(named: "data")?.resources, StageResources(cpus: 2, memory: "4G", time: "01:00:00", partition: "debug"))
        XCTAssertEqual(p.stages.filter { $0.baseName == "train" }.map(\.resources), Array(repeating: StageResources(parallel: 2), count: 3))
        XCTAssertEqual(p.stage(named: "table")?.resources, StageResources())
        XCTAssertEqual(StageResources(memory: "1G").merged(over: StageResources(cpus: 3, memory: "2G")), StageResources(cpus: 3, memory: "1G"))
    }
}
