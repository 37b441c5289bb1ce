import AtomicFiles
import Pipeline

/// The folder `rederive check` writes its report to (`--report`, by default
/// `<artifacts>/check-report`): a folder check made (marked `check-report`), an empty one, or a
/// new one. Any other folder is refused before anything runs, never emptied: `--report
/// ../notes` must not cost the notes.
enum CheckReportFolder {
    /// Throws unless check may replace what is at `path`.
    static func requireReplaceable(_ path: String) throws(PipelineError) {
        if isLegacyReport(path) { return }
        do {
            try OwnedFolder.requireReplaceable(path, by: [.checkReport], advice: "give --report a new or empty folder; nothing was changed")
        } catch {
            throw PipelineError(.invalidPath, at: nil, "--report \(error.summary)", hint: error.advice)
        }
    }

    /// A report of a check from before folder markers: nothing but `index.html` and
    /// `*.diff.png` images, the only files check ever wrote there. Replacing it loses nothing
    /// of the user's, and refusing it would stop every CI run that kept one.
    static func isLegacyReport(_ path: String) -> Bool {
        guard case .notOurs = OwnedFolder.state(of: path) else { return false }
        let names = AtomicFile.entries(of: path)
        return names.contains("index.html") && names.allSatisfy { $0 == "index.html" || ($0.hasSuffix(".diff.png") && !$0.hasPrefix(".")) }
    }
}
