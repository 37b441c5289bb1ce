import ArgumentParser
import Pipeline
import PipelineGraphics

extension PipelineCommands.DagFormat: ExpressibleByArgument {}

/// `rederive dag [PIPELINE] [TARGETS...]`: the stage graph.
struct Dag: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the stage graph as text or Graphviz dot, or draw it as PNG or PDF.")

    @Argument(help: "[PIPELINE] [TARGETS...]")
    var arguments: [String] = []

    @Option(help: "text, dot, png or pdf.")
    var format: PipelineCommands.DagFormat = .text

    @Option(help: "Where to draw a png or pdf (default: dag.png or dag.pdf).")
    var out: String?

    @Option(name: .customShort("S"), help: ArgumentHelp("Override a param, as for make.", valueName: "key=value"))
    var set: [String] = []

    func run() throws {
        try reportingPipelineErrors {
            let overrides = try set.map { (text) throws(PipelineError) in try ParamOverride.parse(text) }
            print(try PipelineCommands.dag(arguments, format: format, overrides: overrides, output: out, registry: .rederive), terminator: "")
        }
    }
}
