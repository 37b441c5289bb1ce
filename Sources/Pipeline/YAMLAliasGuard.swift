import SafeYAML

extension YAMLAliasGuard {
    /// Throws, at the alias that crossed a limit, when the file's aliases expand too far.
    static func check(_ yaml: String, path: String) throws(PipelineError) {
        guard let problem = problem(in: yaml) else { return }
        throw PipelineError(.tooLarge, at: SourceLocation(file: path, line: problem.line, column: problem.column),
                            problem.message, hint: problem.hint)
    }
}
