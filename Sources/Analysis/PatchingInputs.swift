import Tensor
import Transformer

/// What activation patching runs on: a clean and a corrupted batch of tokens, the same shape,
/// and for each sequence the answer position, the correct token and the wrong one.
///
/// The metric (TransformerLens's usual logit difference) is the mean over the batch of
/// `logit[correct] − logit[wrong]` at each sequence's answer position.
public struct PatchingInputs: Sendable, Equatable {
    public var batch: Int
    public var length: Int
    /// `[batch, length]`, row-major.
    public var clean: [Int32]
    public var corrupted: [Int32]
    /// One per sequence.
    public var answers: [Answer]

    public struct Answer: Sendable, Equatable {
        public var position: Int
        public var correct: Int
        public var wrong: Int
        public init(position: Int, correct: Int, wrong: Int) { self.position = position; self.correct = correct; self.wrong = wrong }
    }

    /// Checks the shapes and ranges against `model`; `names` are the files (or what made them),
    /// for the message: clean, corrupted, answers.
    public init(batch: Int, length: Int, clean: [Int32], corrupted: [Int32], answers: [Answer], model: ModelConfig,
                names: (clean: String, corrupted: String, answers: String) = ("clean", "corrupted", "answers")) throws(AnalysisError) {
        guard batch >= 1, length >= 1, length <= model.nCtx, clean.count == batch * length else {
            throw .badInput("\(names.clean): tokens have shape [\(batch), \(length)]; expected [batch, pos] with batch >= 1 and 1 <= pos <= n_ctx (\(model.nCtx))")
        }
        guard corrupted.count == clean.count else {
            throw .badInput("\(names.corrupted): has \(corrupted.count / max(length, 1)) × \(length) tokens, not the [\(batch), \(length)] of \(names.clean); clean and corrupted must have the same shape")
        }
        for (tokens, name) in [(clean, names.clean), (corrupted, names.corrupted)] {
            if let bad = tokens.firstIndex(where: { $0 < 0 || Int($0) >= model.dVocab }) {
                throw .badInput("\(name): token \(tokens[bad]) at [\(bad / length), \(bad % length)] is outside the vocabulary 0..<\(model.dVocab) (d_vocab)")
            }
        }
        guard answers.count == batch else {
            throw .badInput("\(names.answers): has \(answers.count) rows; expected one [position, correct, wrong] per sequence, \(batch)")
        }
        for (b, answer) in answers.enumerated() {
            guard (0..<length).contains(answer.position) else {
                throw .badInput("\(names.answers): row \(b)'s answer position \(answer.position) is out of range 0..<\(length) (the tokens' length)")
            }
            for token in [answer.correct, answer.wrong] where !(0..<model.dVocab).contains(token) {
                throw .badInput("\(names.answers): row \(b)'s token \(token) is outside the vocabulary 0..<\(model.dVocab) (d_vocab)")
            }
        }
        (self.batch, self.length, self.clean, self.corrupted, self.answers) = (batch, length, clean, corrupted, answers)
    }

    /// Reads `--clean C.npy --corrupted X.npy --answers A.npy` (int64 or int32).
    public static func read(clean: String, corrupted: String, answers: String, model: ModelConfig) throws(AnalysisError) -> PatchingInputs {
        let c = try integers(clean), x = try integers(corrupted), a = try integers(answers)
        guard c.shape.count == 2 else { throw .badInput("\(clean): tokens have shape \(c.shape); expected [batch, pos]") }
        guard x.shape == c.shape else {
            throw .badInput("\(corrupted): tokens have shape \(x.shape), but \(clean) has \(c.shape); clean and corrupted must have the same shape")
        }
        guard a.shape == [c.shape[0], 3] else {
            throw .badInput("\(answers): has shape \(a.shape); expected [batch, 3] = [\(c.shape[0]), 3] (answer position, correct token, wrong token)")
        }
        func token(_ v: Int64) -> Int32 { Int32(clamping: v) }
        let rows = (0..<c.shape[0]).map { b in
            Answer(position: Int(clamping: a.values[3 * b]), correct: Int(clamping: a.values[3 * b + 1]), wrong: Int(clamping: a.values[3 * b + 2]))
        }
        return try PatchingInputs(batch: c.shape[0], length: c.shape[1], clean: c.values.map(token), corrupted: x.values.map(token),
                                  answers: rows, model: model, names: (clean, corrupted, answers))
    }

    private static func integers(_ path: String) throws(AnalysisError) -> (shape: [Int], values: [Int64]) {
        let array: NDArray
        do { array = try NumpyFile.read(path) } catch { throw .badInput("\(error)") }
        switch array {
        case .int64(let s, let v): return (s, v)
        case .int32(let s, let v): return (s, v.map(Int64.init))
        default: throw .badInput("\(path): must hold int64 or int32, found \(array.dtype.safetensorsName)")
        }
    }

    /// The default corruption for a built-in task: random sequences (BOS first, as the task
    /// makes them); in each, the token the answer position must recall (p − k: p − 1 for the
    /// previous-token task) is replaced by another, and the answer is the original (correct)
    /// against the replacement (wrong). `position` defaults to the middle of the context.
    public static func taskCorruption(_ task: TaskKind, model: ModelConfig, sequences: Int, seed: UInt64,
                                      position: Int? = nil) throws(AnalysisError) -> PatchingInputs {
        let k: Int
        switch task {
        case .previousToken: k = 1
        case .kBack(let back): k = back
        }
        let p = position ?? max(k, model.nCtx / 2)
        guard k < model.nCtx, (k..<model.nCtx).contains(p) else {
            throw .badInput("the answer position \(p) is out of range \(k)..<\(model.nCtx) for the \(task.name) task (it recalls position p − \(k))")
        }
        guard model.dVocab >= 3 else { throw .badInput("d_vocab \(model.dVocab) leaves no other token to corrupt with") }
        var generator = RandomGenerator(seed: seed)
        let clean = task.task.makeBatch(batch: sequences, length: model.nCtx, vocabulary: model.dVocab, generator: &generator).tokens
        var corrupted = clean, answers = [Answer]()
        for b in 0..<sequences {
            let index = b * model.nCtx + p - k, original = Int(clean[index])
            // Another token of 1..<d_vocab (never BOS): draw from the d_vocab − 2 others.
            var other = 1 + generator.nextInt(below: model.dVocab - 2)
            if other >= original && original >= 1 { other += 1 }
            corrupted[index] = Int32(other)
            answers.append(Answer(position: p, correct: original, wrong: other))
        }
        return try PatchingInputs(batch: sequences, length: model.nCtx, clean: clean, corrupted: corrupted, answers: answers,
                                  model: model, names: ("the \(task.name) task's clean batch", "its corrupted batch", "its answers"))
    }

    /// The three arrays as `rederive patch` reads them: `[batch, pos]`, `[batch, pos]`, `[batch, 3]` int64.
    public var arrays: (clean: NDArray, corrupted: NDArray, answers: NDArray) {
        (.int64(shape: [batch, length], values: clean.map(Int64.init)),
         .int64(shape: [batch, length], values: corrupted.map(Int64.init)),
         .int64(shape: [batch, 3], values: answers.flatMap { [Int64($0.position), Int64($0.correct), Int64($0.wrong)] }))
    }
}
