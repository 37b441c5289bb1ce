import Analysis
import Plot
import Recipes
import rederive
import Stages
import Transformer
import VegaLite
import XCTest

/// Every study stage kind's job, spelled as arguments by its subcommand's own function (what
/// `make` gives the child process) and parsed back by the real command: a renamed flag, or a
/// field the spelling forgets, fails here rather than in a pipeline (issue #25). Each job sets
/// every field away from its default, so that a field left out cannot pass unseen.
final class StageCommandLineTests: XCTestCase {
    let lines = StudyCommandLines.rederive

    func parsed<Job>(_ arguments: [String], as type: Job.Type) throws -> Job? {
        try StudyCommandLines.job(parsing: arguments) as? Job
    }

    func testTrainingJob() throws {
        var job = TrainingJob(config: "runs/a b/config.yaml", out: "runs/.rederive-tmp-7.run", threads: 3)
        XCTAssertEqual(try parsed(lines.train(job), as: TrainingJob.self), job)
        job.steps = 12
        job.seed = 5
        job.resume = true
        job.deterministicLog = true
        job.postMortem = "runs/run.post-mortem"
        job.configSource = "Configs/study.yaml with the stage's params"
        XCTAssertEqual(try parsed(lines.train(job), as: TrainingJob.self), job)
        job.resume = false
        job.overwrite = true
        XCTAssertEqual(try parsed(lines.train(job), as: TrainingJob.self), job)
    }

    func testAnalysisJob() throws {
        var job = AnalysisJob(source: "runs/study", out: "analysis/.rederive-tmp-7.study", threads: 5)
        XCTAssertEqual(try parsed(lines.analyze(job), as: AnalysisJob.self), job)
        job.force = true
        XCTAssertEqual(try parsed(lines.analyze(job), as: AnalysisJob.self), job)
    }

    func testPatchingJob() throws {
        var job = PatchingJob(source: "runs/study/model.safetensors", out: "patching/x", threads: 4)
        XCTAssertEqual(try parsed(lines.patch(job), as: PatchingJob.self), job)
        job.sequences = 16
        job.force = true
        XCTAssertEqual(try parsed(lines.patch(job), as: PatchingJob.self), job)
    }

    func testFigureJob() throws {
        for (analyses, files) in [([], nil), (["analysis/study"], [FigureFile.png, .data]), (["analysis/study", "patching/study"], FigureFile.recipe)] {
            let job = FigureJob(recipe: "loss_curves", analyses: analyses, out: "Figures/.rederive-tmp-7.loss", files: files)
            XCTAssertEqual(try parsed(lines.figure(job), as: FigureJob.self), job)
        }
    }

    func testSpecFigureJob() throws {
        for files in [nil, [FigureFile.png], [.png, .pdf, .svg, .caption, .data]] {
            let job = SpecFigureJob(spec: "figures/loss.vl.json", out: "Figures/.rederive-tmp-7.loss", files: files)
            XCTAssertEqual(try parsed(lines.specFigure(job), as: SpecFigureJob.self), job)
        }
    }

    func testSlidesJob() throws {
        var job = SlidesJob(from: ["analysis/study", "figures/loss.vl.json", "data/loss.csv"], pdf: "Figures/.rederive-tmp-7.slides.pdf")
        XCTAssertEqual(try parsed(lines.slides(job), as: SlidesJob.self), job)
        job.gallery = "Figures/.rederive-tmp-7.gallery.md"
        job.title = "No positions"
        job.subtitle = "a two-layer model"
        job.theme = .dark
        XCTAssertEqual(try parsed(lines.slides(job), as: SlidesJob.self), job)
    }

    /// The check itself can fail: a flag spelt otherwise than the command declares it is refused.
    func testARenamedFlagIsRefused() throws {
        var arguments = lines.analyze(AnalysisJob(source: "runs/study", out: "analysis/study", threads: 2))
        arguments[try XCTUnwrap(arguments.firstIndex(of: "--out"))] = "--output"
        XCTAssertThrowsError(try StudyCommandLines.job(parsing: arguments))
    }
}
