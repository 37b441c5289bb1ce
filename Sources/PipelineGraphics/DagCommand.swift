import Pipeline
import Plot

extension PipelineCommands {
    /// `rederive dag`: the graph as text or dot (returned), or drawn to `output` as PNG or PDF
    /// (then the returned text says where).
    public static func dag(_ arguments: [String], format: DagFormat, overrides: [ParamOverride] = [],
                           output: String? = nil, registry: StageRegistry, directory: String? = nil) throws(PipelineError) -> String {
        let (project, targets) = try locate(arguments, registry: registry, directory: directory)
        let pipeline = try project.load(overrides: overrides, registry: registry)
        let selected = try pipeline.selection(for: targets)
        switch format {
        case .text: return DagRenderer.text(pipeline, selected: selected)
        case .dot: return DagRenderer.dot(pipeline, selected: selected)
        case .json: return DagRenderer.json(pipeline, selected: selected)
        case .png, .pdf:
            let path = output ?? "dag.\(format.rawValue)"
            let figure = DagFigure.figure(pipeline, selected: selected)
            do {
                if format == .png { try figure.writePNG(to: path, source: "rederive dag \(project.name)") } else { try figure.writePDF(to: path) }
            } catch {
                throw PipelineError(.io, at: nil, "cannot draw the graph to \(path): \(error)")
            }
            return "wrote \(path)\n"
        }
    }
}
