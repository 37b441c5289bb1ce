import ArgumentParser
import Foundation
import Pipeline
import Tensor
import Transformer

// The options several subcommands take, each declared once (issue #25), and the one way a
// subcommand reports an error.

/// `--threads N`: every command that computes. Results never depend on it.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads. The results are byte-identical at any count.")
    var threads: Int = 2

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Sets the thread count of the row-parallel loops and returns it.
    @discardableResult
    func apply() -> Int {
        ComputeThreads.count = threads
        return threads
    }
}

/// `-S key=value`: the param overrides of every pipeline command.
struct OverrideOptions: ParsableArguments {
    @Option(name: .customShort("S"),
            help: ArgumentHelp("Override a pipeline param (-S steps=300) or a stage's own (-S train.steps=300); the value is read as YAML.",
                               valueName: "key=value"))
    var set: [String] = []

    func overrides() throws(PipelineError) -> [ParamOverride] {
        try set.map { (text) throws(PipelineError) in try ParamOverride.parse(text) }
    }
}

/// `-q` and `--json`: every command that prints a result.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing but errors and warnings.")
    var quiet = false
    @Flag(help: "Print the result as one line of JSON on stdout (messages stay on stderr).")
    var json = false

    /// Whether human-readable lines are printed.
    var isVerbose: Bool { !quiet && !json }

    /// Progress on stderr, silent under -q or --json (the pipeline's progress file is still written).
    var progress: Transformer.Progress { isVerbose ? .automatic() : Transformer.Progress(style: .silent) }

    /// The console of the pipeline commands: quiet under -q or --json.
    var console: Console { Console(quiet: !isVerbose) }

    /// A result line on stdout, unless -q or --json.
    func say(_ line: String) {
        if isVerbose { print(line) }
    }

    /// A message on stderr, unless -q or --json.
    func note(_ line: String) {
        if isVerbose { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// With --json, `value` as one line of JSON; else nothing.
    func emit(_ value: @autoclosure () -> JSONOutput) {
        if json { print(value().text) }
    }
}

/// What `--json` and the bench commands print: a `ParamValue` written by the pipeline's own JSON
/// writer (keys sorted, numbers in round-trip form), the one JSON writer of the command line.
struct JSONOutput {
    var value: ParamValue

    init(_ fields: [String: ParamValue]) { value = .map(fields) }

    var text: String { value.jsonLine }

    /// A number, rounded to `digits` decimals when given; JSON has no NaN, so a non-finite one is null.
    static func number(_ x: Double, digits: Int? = nil) -> ParamValue {
        guard x.isFinite else { return .null }
        guard let digits else { return .double(x) }
        let scale = pow(10, Double(digits))
        return .double((x * scale).rounded() / scale)
    }

    static func number(_ x: Float) -> ParamValue { number(Double(x)) }

    static func strings(_ items: [String]) -> ParamValue { .list(items.map(ParamValue.string)) }
}

/// Runs a subcommand's work and reports what goes wrong once, the same way everywhere: a
/// pipeline error (file:line:column, message, hint) exits 2, as a usage error does; any other
/// error prints `error: ...` and exits 1 (or `status(error)` when given). The parser's own errors
/// and exit codes pass through.
func reportingErrors(status: (Error) -> Int32? = { _ in nil }, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as PipelineError {
        Console().error(error.description)
        throw ExitCode(ExitStatus.usage)
    } catch let error where error is ExitCode || error is ValidationError || error is CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(status(error) ?? ExitCode.failure.rawValue)
    }
}
