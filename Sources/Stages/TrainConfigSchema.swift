/// The training config's schema, from the module that reads configs (Transformer), so that a
/// `train` stage's params are checked as config keys before anything runs.
public struct TrainConfigSchema: Sendable {
    /// Every key a training config may set.
    public var keys: [String]
    /// Reads a whole config (YAML text; `source` labels it): nil if valid, else why not.
    public var check: @Sendable (_ yaml: String, _ source: String) -> String?

    public init(keys: [String], check: @escaping @Sendable (_ yaml: String, _ source: String) -> String?) {
        self.keys = keys
        self.check = check
    }
}
