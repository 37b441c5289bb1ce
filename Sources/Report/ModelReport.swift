import Analysis
import AtomicFiles
import Foundation
import Tensor
import Transformer

/// `rederive report`: the standard toolkit on one model. Analyses a run folder, a Rederive
/// checkpoint or a TransformerLens state dict into `DIR/analysis/` (the same files as
/// `rederive analyze`) and patches it on its task's default corruption into `DIR/patching/` (the
/// same files as `rederive patch`), then writes `DIR/report.html` (self-contained),
/// `DIR/report.pdf` (the same content, one page per section) and `DIR/findings.txt` (the ranked
/// findings).
public enum ModelReport {
    /// Writes the report and returns its findings, ranked. The whole folder is built beside
    /// `out` and swapped in when complete, so a kill or a full disk leaves the old report or
    /// the new one, never a mix. `out` must be new, empty or an earlier report, and must not
    /// hold what the report reads (`OwnedFolder.claim`); `force` sets any other folder aside.
    @discardableResult
    public static func write(source: String, out: String, settings: AnalysisSettings = AnalysisSettings(), force: Bool = false,
                             progress: (String) -> Void = { _ in }) throws(AnalysisError) -> [Finding] {
        let staging: String
        do {
            staging = try OwnedFolder.begin(out, as: .report, reading: settings.inputFiles(source: source), force: force, note: progress)
        } catch { throw .cannotWrite(path: error.path, reason: "\(error)") }
        do {
            let findings = try write(source: source, into: staging, settings: settings, progress: progress)
            try AtomicFile.commitFolder(staging, to: out, as: .report)
            return findings
        } catch let error as AtomicFileError {
            AtomicFile.remove(staging)
            throw .cannotWrite(path: error.path, reason: "\(error)")
        } catch {
            AtomicFile.remove(staging)
            throw error as? AnalysisError ?? .cannotWrite(path: out, reason: "\(error)")
        }
    }

    private static func write(source: String, into out: String, settings: AnalysisSettings,
                              progress: (String) -> Void) throws(AnalysisError) -> [Finding] {
        let data = try ReportData.gather(source: source, analysisFolder: out + "/analysis", settings: settings, progress: progress)
        progress("drawing the report")
        let findings = Finding.ranked(try data.candidateFindings())
        let m = data.model
        let subtitle = "\((source as NSString).lastPathComponent), step \(data.summary.step): \(m.nLayers) layer\(m.nLayers == 1 ? "" : "s") × \(m.nHeads) head\(m.nHeads == 1 ? "" : "s"), d_model \(m.dModel), "
            + (m.dMLP.map { "d_mlp \($0) (\(m.actFn.rawValue))" } ?? "attention-only")
            + ", \(m.hasLayerNorm ? "LayerNorm" : "no normalisation"), \(m.positional == .learned ? "learned" : "no") positional embeddings; "
            + "d_vocab \(m.dVocab), n_ctx \(m.nCtx); mean loss \(ReportNumber.significant(data.summary.loss)) nats on \(data.summary.evalSequences) evaluation sequences"
            + (settings.tokensFile.map { " from \($0.tokens)" } ?? " of the \(data.task.name) task")
        let document = ReportDocument(title: "Rederive report", subtitle: subtitle, findings: findings,
                                      notes: data.notes, sections: try data.sections())
        do {
            try AtomicFile.write(document.html(), to: out + "/report.html")
            try AtomicFile.write(document.pdf(), to: out + "/report.pdf")
            try AtomicFile.write(Array(findings.enumerated().map { "\($0.offset + 1). \($0.element.sentence)\n" }.joined().utf8),
                                 to: out + "/findings.txt")
        } catch {
            throw .cannotWrite(path: out, reason: "\(error)")
        }
        return findings
    }
}
