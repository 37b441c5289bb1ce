/// A spec drawn as `rederive figure SPEC` takes it and a pipeline's `vega-lite` stage asks for
/// it (spelled by `FigureCommand.arguments(for:)` for specs, beside the flags).
public struct SpecFigureJob: Equatable, Sendable {
    /// The Vega-Lite spec (.json, .yaml).
    public var spec: String
    /// The output prefix.
    public var out: String
    /// The images to write, of `SpecFigureWriter.formats`; nil: all of them.
    public var formats: [String]?

    public init(spec: String, out: String, formats: [String]? = nil) {
        self.spec = spec; self.out = out; self.formats = formats
    }
}
