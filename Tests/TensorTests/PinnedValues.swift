/// Values of `RandomGenerator(seed: 0)`, recorded once when the generator was written.
/// They pin the stream: if a test against them fails, every seeded result has changed.
enum PinnedValues {
    static let seed0Words: [UInt64] = [14645725078257245364, 872640208744727529, 15973102534033515988]
    static let seed0Ints: [Int] = [164, 270, 16, 21, 217, 137]
    static let seed0Normals: [Float] = [1.1249814, -0.7855302, -0.051298283, -1.2826864]
}
