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
            """)

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Option(help: "text, dot, png or pdf.")
    var format: PipelineCommands.DagFormat = .text

    @Option(help: "Where to draw a png or pdf (default: dag.png or dag.pdf).")
    var out: String?

    @OptionGroup var overrides: OverrideOptions

    func run() throws {
        try reportingErrors {
            print(try PipelineCommands.dag(arguments, format: format, overrides: try overrides.overrides(), output: out, registry: .rederive), terminator: "")
        }
    }
}
