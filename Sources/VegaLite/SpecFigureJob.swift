import Plot

/// A spec drawn as `rederive figure SPEC` takes it and a pipeline's `vega-lite` stage asks for
/// it (spelled by `FigureCommand.arguments(for:)` for specs, beside the flags).
public struct SpecFigureJob: Equatable, Sendable {
    /// The Vega-Lite spec (.json, .yaml).
    public var spec: String
    /// The output prefix.
    public var out: String
    /// The files to write; nil: all of them.
    public var files: [FigureFile]?

    public init(spec: String, out: String, files: [FigureFile]? = nil) {
        self.spec = spec; self.out = out; self.files = files
    }
}
