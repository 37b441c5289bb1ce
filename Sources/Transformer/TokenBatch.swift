/// A batch of sequences with what the model should predict at each position.
///
/// `tokens`, `targets` and `lossMask` are `[batch, length]`, row-major. The loss is the mean
/// cross-entropy over positions whose mask is 1, so a task says which positions count.
public struct TokenBatch: Equatable, Sendable {
    public var batch: Int
    public var length: Int
    public var tokens: [Int32]
    public var targets: [Int32]
    public var lossMask: [Float]

    public init(batch: Int, length: Int, tokens: [Int32], targets: [Int32], lossMask: [Float]) {
        precondition(tokens.count == batch * length && targets.count == tokens.count && lossMask.count == tokens.count,
                     "a batch of \(batch) x \(length) needs that many tokens, targets and mask entries")
        self.batch = batch; self.length = length
        self.tokens = tokens; self.targets = targets; self.lossMask = lossMask
    }

    /// A batch with no targets (every position masked out), for running the forward on tokens.
    public init(tokens: [Int32], batch: Int, length: Int) {
        self.init(batch: batch, length: length, tokens: tokens,
                  targets: [Int32](repeating: 0, count: tokens.count),
                  lossMask: [Float](repeating: 0, count: tokens.count))
    }
}
