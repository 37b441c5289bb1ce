import ArgumentParser
import Pipeline
import PipelineGraphics

extension PipelineCommands.DagFormat: ExpressibleByArgument {}

/// `rederive dag [PIPELINE] [TARGETS...]`: the stage graph.
struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the stage graph as text or Graphviz dot, or draw it as PNG or PDF.",
        discussion: """
            Examples:
              rederive dag smoke
              rederive dag smoke --format png --out smoke-dag.png
              rederive dag smoke --json
            """)

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Option(help: "text, dot, json, png or pdf.")
    var format: PipelineCommands.DagFormat = .text

    @Option(help: "Where to draw a png or pdf (default: dag.png or dag.pdf).")
    var out: String?

    @OptionGroup var overrides: OverrideOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reportingErrors {
            let text = try PipelineCommands.dag(arguments, format: output.json ? .json : format, overrides: try overrides.overrides(),
                                                output: out, registry: .rederive)
            if !output.quiet || output.json { print(text, terminator: "") }
        }
    }
}
