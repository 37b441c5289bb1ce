/// The same stage graph as a `build.ninja`, so `bench make` can time ninja's no-op beside ours
/// on identical work: one edge per stage, its outputs from its inputs. Each edge's command only
/// touches its outputs (a no-op never runs one); a folder output stands in as `FOLDER/.done`.
public struct NinjaTwin {
    /// The `build.ninja` text.
    public var text: String
    /// Inputs no stage produces: source files that must exist beside `build.ninja`.
    public var sources: [String]

    public init(_ pipeline: Pipeline) {
        var text = "rule touch\n  command = mkdir -p $$(dirname $out) && touch $out\n"
        var sources = Set<String>()
        for stage in pipeline.stages {
            let outputs = stage.outputs.map(NinjaTwin.target)
            let inputs = stage.inputs.flatMap { input -> [String] in
                guard let producer = input.producer else {
                    sources.insert(input.path)
                    return [input.path]
                }
                // A path inside a folder output depends on that output.
                let made = pipeline.stages[producer].outputs
                return (made.first { $0.path == input.path }.map { [$0] } ?? made).map(NinjaTwin.target)
            }
            text += "build " + outputs.map(NinjaTwin.escaped).joined(separator: " ") + ": touch"
            text += inputs.map { " " + NinjaTwin.escaped($0) }.joined() + "\n"
        }
        self.text = text
        self.sources = sources.sorted()
    }

    static func target(_ output: StageOutput) -> String { output.isDirectory ? output.path + "/.done" : output.path }

    /// Ninja's escapes for a path: `$`, space and `:` take a `$` before them.
    static func escaped(_ path: String) -> String {
        var out = ""
        for character in path {
            if character == "$" || character == " " || character == ":" { out.append("$") }
            out.append(character)
        }
        return out
    }
}
