/// The rules a path Rederive writes must follow as written, checked when the pipeline is parsed
/// (`ProjectBoundary` checks the same paths again with symlinks resolved).
///
/// Rederive writes outputs, logs, caches and the lock; it replaces or removes outputs. So each
/// of those paths is relative to the project, has no `..`, and is not inside `Pipelines/`
/// (the pipeline files and their locks) or `.git/`, the two folders a user can least afford
/// to lose.
enum ProjectPaths {
    /// Top-level folders no output and no `artifacts:` may be, or be inside.
    static let protectedFolders = ["Pipelines", ".git"]

    /// `artifacts:`: a folder inside the project, not the project itself.
    static func validateArtifacts(_ text: String, at location: SourceLocation) throws(PipelineError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
        let problem: String?
        if text.hasPrefix("/") {
            problem = "is an absolute path"
        } else if parts.contains("..") {
            problem = "leaves the project folder (`..`)"
        } else if parts.isEmpty {
            problem = "is the project folder itself"
        } else if let first = parts.first, protectedFolders.contains(String(first)) {
            problem = "is inside \(first)/, which Rederive never writes into"
        } else {
            problem = nil
        }
        if let problem {
            throw PipelineError(.invalidPath, at: location, "artifacts: '\(text)' \(problem)",
                                hint: "artifacts is a folder inside the project for logs, caches and intermediate outputs, e.g. `artifacts: artifacts`")
        }
    }

    /// An output's normalised parts: refused inside `Pipelines/` or `.git/`.
    static func validateOutput(_ parts: [Substring], text: String, at location: SourceLocation) throws(PipelineError) {
        guard let first = parts.first, protectedFolders.contains(String(first)) else { return }
        throw PipelineError(.invalidPath, at: location, "output '\(text)' is in \(first)/, which Rederive never writes into",
                            hint: first == "Pipelines" ? "Pipelines/ holds the pipeline files and their locks; write outputs under artifacts/ or Figures/"
                                                       : ".git/ is the repository; write outputs under artifacts/ or Figures/")
    }
}
