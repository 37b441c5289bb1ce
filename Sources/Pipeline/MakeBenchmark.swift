import Foundation

/// `rederive bench make`: the time of a no-op `rederive make`, as a whole process, on a
/// study-shaped pipeline (30 stages) and on a generated 1000-stage one.
///
/// Both pipelines are generated into a temporary folder with `cmd:` stages (the study's own
/// stages need the training and plotting modules, and a no-op never runs a stage anyway), built
/// once, left alone for longer than the hash cache's racy window, warmed up by one no-op run, and
/// then timed over `runs` no-op runs of the binary. Each timed run must leave the lock file
/// byte-identical, or the benchmark fails: a "no-op" that rebuilds is not measured. Besides the
/// no-op (snapshot fast path) it reports the full check (`REDERIVE_NO_FASTPATH`: lock read,
/// every stage stat-ed and compared, pipeline from its cache) and the uncached full check
/// (`REDERIVE_NO_CACHE`: YAML parsed and expanded too), as after a fresh clone.
///
/// When `ninja` is on the PATH, each pipeline's graph is also written as a `build.ninja`
/// (`NinjaTwin`) and ninja's no-op is timed run for run beside ours, so both see the same load.
public enum MakeBenchmark {
    public struct Result: Sendable {
        public var studyStages: Int
        public var studyMedianMs: Double
        public var studyMinMs: Double
        public var wideStages: Int
        public var wideMedianMs: Double
        public var wideMinMs: Double
        public var runs: Int
        /// Medians with the snapshot fast path disabled: the full check (parse, expand, read the
        /// lock, stat and compare every stage), as after a fresh clone or an edit.
        public var studyFullCheckMs: Double
        public var wideFullCheckMs: Double
        /// Median of `rederive --version`: the floor any command pays to start.
        public var processStartMs: Double
        /// Medians with no caches at all (YAML parsed and expanded again).
        public var studyUncachedMs: Double
        public var wideUncachedMs: Double
        /// Medians of ninja's no-op on the same graphs, interleaved with ours; nil without ninja.
        public var ninjaStudyMs: Double?
        public var ninjaWideMs: Double?

        /// One JSON line, milliseconds to two decimals.
        public var json: String {
            func ms(_ x: Double) -> ParamValue { .double((x * 100).rounded() / 100) }
            func pair(_ study: Double, _ wide: Double) -> ParamValue { .map(["study": ms(study), "stages_\(wideStages)": ms(wide)]) }
            return ParamValue.map([
                "bench": .string("make"), "noop_ms": pair(studyMedianMs, wideMedianMs), "noop_ms_min": pair(studyMinMs, wideMinMs),
                "full_check_ms": pair(studyFullCheckMs, wideFullCheckMs), "uncached_ms": pair(studyUncachedMs, wideUncachedMs),
                "process_start_ms": ms(processStartMs), "ninja_noop_ms": ninjaStudyMs.map { pair($0, ninjaWideMs ?? 0) } ?? .null,
                "study_stages": .int(studyStages), "study_pipeline": .string("generated cmd: stand-in"), "runs": .int(runs),
                "goal_ms": .map(["study": .int(30), "stages_1000": .int(100)]),
            ]).jsonLine
        }
    }

    /// Builds both pipelines with `executable` and times its no-op runs.
    public static func run(executable: String, wideStages: Int = 1000, runs: Int = 15, jobs: Int = 2,
                           keepFolder: Bool = false, log: (String) -> Void = { _ in }) throws(PipelineError) -> Result {
        var template = Array((NSTemporaryDirectory() + "/rederive-bench-make-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw PipelineError(.io, at: nil, "cannot create a temporary folder") }
        let root = String(cString: made)
        defer { if !keepFolder { AtomicFileIO.remove(root) } }
        try AtomicFileIO.write(Array(studyYAML().utf8), to: root + "/Pipelines/study.yaml")
        try AtomicFileIO.write(Array(wideYAML(stages: wideStages).utf8), to: root + "/Pipelines/wide.yaml")
        try AtomicFileIO.write(Array("seed: 0\n".utf8), to: root + "/configs/base.yaml")

        let ninja = executableOnPath("ninja")
        var timings = [String: [Double]]()
        var ninjaTimings = [String: [Double]]()
        var fullCheck = [String: Double]()
        var uncached = [String: Double]()
        for name in ["study", "wide"] {
            let pipeline = root + "/Pipelines/\(name).yaml"
            log("building \(name) pipeline in \(root)")
            let status = try spawn([executable, "make", pipeline, "-j", String(jobs)])
            guard status.code == 0 else { throw PipelineError(.io, at: nil, "building the \(name) pipeline failed (exit \(status.code))") }
            if let ninja { try buildNinjaTwin(of: pipeline, root: root, in: root + "/ninja-" + name, ninja: ninja, jobs: jobs) }
        }
        usleep(1_200_000) // past the hash cache's racy window, so no-op runs trust cached hashes
        for name in ["study", "wide"] {
            let pipeline = root + "/Pipelines/\(name).yaml"
            let lockPath = root + "/Pipelines/\(name).lock"
            let ninjaCommand = ninja.map { [$0, "-C", root + "/ninja-" + name] }
            _ = try spawn([executable, "make", pipeline]) // warm-up: page cache, hash cache
            if let ninjaCommand { _ = try spawn(ninjaCommand) }
            let before = try AtomicFileIO.readIfExists(lockPath)
            let ninjaLog = root + "/ninja-" + name + "/.ninja_log"
            let ninjaBefore = try AtomicFileIO.readIfExists(ninjaLog)
            var samples = [Double](), ninjaSamples = [Double]()
            for _ in 0..<runs {
                let status = try spawn([executable, "make", pipeline])
                guard status.code == 0 else { throw PipelineError(.io, at: nil, "no-op make of \(name) failed (exit \(status.code))") }
                samples.append(status.seconds * 1000)
                if let ninjaCommand { ninjaSamples.append(try spawn(ninjaCommand).seconds * 1000) }
            }
            guard try AtomicFileIO.readIfExists(lockPath) == before else {
                throw PipelineError(.io, at: nil, "a no-op make of \(name) changed its lock file: something reran")
            }
            guard try AtomicFileIO.readIfExists(ninjaLog) == ninjaBefore else {
                throw PipelineError(.io, at: nil, "a no-op ninja of \(name) ran commands (\(ninjaLog) changed)")
            }
            timings[name] = samples.sorted()
            if ninja != nil { ninjaTimings[name] = ninjaSamples.sorted() }
            for (variable, store) in [("REDERIVE_NO_FASTPATH", 0), ("REDERIVE_NO_CACHE", 1)] {
                var samples = [Double]()
                for _ in 0..<max(3, runs / 3) {
                    let status = try spawn([executable, "make", pipeline], environment: [variable: "1"])
                    guard status.code == 0 else { throw PipelineError(.io, at: nil, "make of \(name) with \(variable) failed (exit \(status.code))") }
                    samples.append(status.seconds * 1000)
                }
                if store == 0 { fullCheck[name] = median(samples.sorted()) } else { uncached[name] = median(samples.sorted()) }
            }
        }
        var starts = [Double]()
        for _ in 0..<runs { starts.append(try spawn([executable, "--version"]).seconds * 1000) }
        starts.sort()
        let study = timings["study"]!, wide = timings["wide"]!
        return Result(studyStages: 30, studyMedianMs: median(study), studyMinMs: study[0],
                      wideStages: wideStages, wideMedianMs: median(wide), wideMinMs: wide[0], runs: runs,
                      studyFullCheckMs: fullCheck["study"]!, wideFullCheckMs: fullCheck["wide"]!,
                      processStartMs: median(starts),
                      studyUncachedMs: uncached["study"]!, wideUncachedMs: uncached["wide"]!,
                      ninjaStudyMs: ninjaTimings["study"].map(median), ninjaWideMs: ninjaTimings["wide"].map(median))
    }

    static func median(_ sorted: [Double]) -> Double { sorted[sorted.count / 2] }

    /// Writes the pipeline's graph as `folder/build.ninja`, copies its source inputs beside it,
    /// and builds it once, so that the timed runs are no-ops.
    static func buildNinjaTwin(of pipelineFile: String, root: String, in folder: String, ninja: String, jobs: Int) throws(PipelineError) {
        let twin = NinjaTwin(try Project(root: root, pipelineFile: pipelineFile).load(registry: .standard))
        try AtomicFileIO.write(Array(twin.text.utf8), to: folder + "/build.ninja")
        for source in twin.sources {
            guard let bytes = try AtomicFileIO.readIfExists(root + "/" + source) else { continue }
            try AtomicFileIO.write(bytes, to: folder + "/" + source)
        }
        let status = try spawn([ninja, "-C", folder, "-j", String(jobs)])
        guard status.code == 0 else { throw PipelineError(.io, at: nil, "ninja could not build \(folder)/build.ninja (exit \(status.code))") }
    }

    /// The first executable file called `name` in a folder of `PATH`.
    static func executableOnPath(_ name: String) -> String? {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }

    static func spawn(_ arguments: [String], environment: [String: String] = [:]) throws(PipelineError) -> (code: Int32, seconds: Double) {
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let start = AtomicFileIO.monotonicSeconds()
        do {
            let code = try CommandStageRunner.spawnAndWait(arguments, environment: environment, output: devNull, cancellation: Cancellation())
            return (code, AtomicFileIO.monotonicSeconds() - start)
        } catch {
            throw PipelineError(.io, at: nil, "cannot run \(arguments[0]): \(error)")
        }
    }

    /// The study's shape: 12 training runs (layers x pos x seed), one analysis each, figures
    /// over them, slides: 30 stages.
    static func studyYAML() -> String {
        """
        description: study-shaped stand-in for bench make
        params:
          train: {lr: 1.0e-4, steps: 4000}
          seeds: [0, 1, 2]
        stages:
          train:
            cmd: echo "train $PARAM_N_LAYERS $PARAM_SEED $PARAM_LR" > "$OUT"
            matrix: {layers: [1, 2], pos: [none, learned], seed: "${seeds}"}
            params: {n_layers: "${layers}", positional: "${pos}", seed: "${seed}", lr: "${train.lr}", steps: "${train.steps}"}
            inputs: [configs/base.yaml]
            outputs: {run: "artifacts/runs/${name}/model.txt"}
          analyze:
            cmd: cat "$IN_RUN" > "$OUT"
            matrix: {layers: [1, 2], pos: [none, learned], seed: "${seeds}"}
            inputs: {run: "stage:train:run"}
            outputs: {summary: "artifacts/analysis/${name}/summary.txt"}
          loss-curves:
            cmd: cat $IN_RUNS > "$OUT"
            inputs: {runs: "stage:train"}
            outputs: [Figures/loss-curves.txt]
          attention:
            cmd: cat $IN_A > "$OUT"
            inputs: {a: "stage:analyze@layers=2,pos=none,seed=0"}
            outputs: [Figures/attention.txt]
          probes:
            cmd: cat $IN_A > "$OUT"
            inputs: {a: "stage:analyze"}
            outputs: [Figures/probes.txt]
          composition:
            cmd: cat $IN_A > "$OUT"
            inputs: {a: "stage:analyze@layers=2,pos=none,seed=1"}
            outputs: [Figures/composition.txt]
          comparison:
            cmd: cat $IN_A > "$OUT"
            inputs: {a: "stage:analyze"}
            outputs: [Figures/comparison.txt]
          slides:
            cmd: cat Figures/loss-curves.txt Figures/attention.txt Figures/probes.txt > "$OUT"
            inputs: [Figures/loss-curves.txt, Figures/attention.txt, Figures/probes.txt, Figures/composition.txt]
            outputs: [Figures/slides.txt]

        """
    }

    /// `stages` explicitly declared stages in layers of 100, each reading two stages of the
    /// layer before: the worst case for parsing, since nothing is expanded from a matrix.
    static func wideYAML(stages: Int) -> String {
        var out = "description: generated wide pipeline for bench make\nparams:\n  scale: 1\nstages:\n"
        for k in 0..<stages {
            out += "  s\(k):\n    cmd: echo \(k) $PARAM_K > \"$OUT\"\n    params: {k: \(k), scale: \"${scale}\"}\n"
            if k >= 100 {
                out += "    inputs: [\"stage:s\(k - 100)\", artifacts/wide/s\((k - 99) % 100 + (k / 100 - 1) * 100).txt]\n"
            } else {
                out += "    inputs: [configs/base.yaml]\n"
            }
            out += "    outputs: [artifacts/wide/s\(k).txt]\n"
        }
        return out
    }
}
