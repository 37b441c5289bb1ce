import Reproducible
/// A seeded random generator whose streams are fixed forever: PCG64 (PCG-XSL-RR 128/64, the
/// generator behind NumPy's `PCG64`) plus documented derivations of integers and normals.
///
/// Everything here is integer arithmetic except the normal deviates, which use the Marsaglia
/// polar method in `Double` (only `log`, `sqrt`, `+` and `*`, then one rounding to `Float`),
/// so the same seed yields the same numbers on every platform. Tests pin the values; changing
/// any of these algorithms changes every checkpoint and figure, so don't.
public struct RandomGenerator: Sendable {
    /// The 128-bit LCG state and increment, as (high, low) 64-bit words.
    private var stateHigh: UInt64, stateLow: UInt64
    private let incrementHigh: UInt64, incrementLow: UInt64
    /// The second normal deviate of the last polar pair, if unused.
    private var spareNormal: Double?

    /// PCG's default 128-bit multiplier, 0x2360ED051FC65DA44385DF649FCCF645.
    private static let multiplierHigh: UInt64 = 0x2360_ED05_1FC6_5DA4
    private static let multiplierLow: UInt64 = 0x4385_DF64_9FCC_F645

    /// Seeds the generator. The state and the increment are four outputs of SplitMix64 started
    /// at `seed` (mixed with `stream`), then PCG's standard seeding: state = 0, step,
    /// state += seed, step. Different `stream`s of one seed give independent sequences, e.g.
    /// the training batches and a fixed evaluation batch.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var splitmix = seed &+ stream &* 0xD1B5_4A32_D192_ED03
        func next() -> UInt64 {
            splitmix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitmix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let (s1, s0, i1, i0) = (next(), next(), next(), next())
        self.init(state: (s1, s0), increment: (i1, i0))
    }

    /// Sets up PCG64 exactly as NumPy does for a given 128-bit `state` and `inc` ("initstate"
    /// and "initseq"): the increment is made odd, the state starts at zero, steps, adds
    /// `state`, and steps again. Used by the tests that compare against NumPy.
    public init(state: (high: UInt64, low: UInt64), increment: (high: UInt64, low: UInt64)) {
        // inc = (initseq << 1) | 1, in 128 bits
        incrementHigh = (increment.high << 1) | (increment.low >> 63)
        incrementLow = (increment.low << 1) | 1
        stateHigh = 0
        stateLow = 0
        spareNormal = nil
        step()
        let (low, carry) = stateLow.addingReportingOverflow(state.low)
        stateLow = low
        stateHigh = stateHigh &+ state.high &+ (carry ? 1 : 0)
        step()
    }

    /// Builds a generator from its raw 128-bit LCG state and (odd) increment, as saved by
    /// `rawState`; used to resume training exactly.
    public init(rawState: [UInt64]) {
        precondition(rawState.count == 4, "a PCG64 raw state has four words")
        stateHigh = rawState[0]; stateLow = rawState[1]
        incrementHigh = rawState[2]; incrementLow = rawState[3]
        spareNormal = nil
    }

    /// The state words (state high, state low, increment high, increment low). A generator
    /// rebuilt from them continues the same stream, except for a cached spare normal, which
    /// is dropped: call it between batches, not between the two halves of a normal pair.
    public var rawState: [UInt64] { [stateHigh, stateLow, incrementHigh, incrementLow] }

    /// state = state * multiplier + increment (mod 2^128)
    @inline(__always)
    private mutating func step() {
        let m = Self.multiplierLow
        let (productHigh, productLow) = stateLow.multipliedFullWidth(by: m)
        let high = productHigh &+ stateLow &* Self.multiplierHigh &+ stateHigh &* m
        let (low, carry) = productLow.addingReportingOverflow(incrementLow)
        stateLow = low
        stateHigh = high &+ incrementHigh &+ (carry ? 1 : 0)
    }

    /// The next 64 random bits: step, then XSL-RR output of the new state (NumPy's order).
    @inline(__always)
    public mutating func nextUInt64() -> UInt64 {
        step()
        let xored = stateHigh ^ stateLow
        let rotation = stateHigh >> 58
        return xored.rotateRight(by: rotation)
    }

    /// A uniform integer in `0..<bound`, unbiased (Lemire's multiply-and-reject).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive, got \(bound)")
        let range = UInt64(bound)
        var (high, low) = nextUInt64().multipliedFullWidth(by: range)
        if low < range {
            let threshold = (0 &- range) % range
            while low < threshold {
                (high, low) = nextUInt64().multipliedFullWidth(by: range)
            }
        }
        return Int(high)
    }

    /// A uniform integer in `range`.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + nextInt(below: range.upperBound - range.lowerBound + 1)
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(nextUInt64() >> 11) * 0x1.0p-53
    }

    /// A standard normal deviate (Marsaglia's polar method), in `Double`.
    public mutating func nextNormalDouble() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * nextDouble() - 1
            let v = 2 * nextDouble() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * ReproducibleMath.log(s) / s).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }

    /// A normal deviate with the given mean and standard deviation, rounded to `Float`.
    public mutating func nextNormal(mean: Float = 0, std: Float = 1) -> Float {
        Float(Double(mean) + Double(std) * nextNormalDouble())
    }

    /// A tensor of normal deviates.
    public mutating func normalTensor(shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
        let count = shape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = nextNormal(mean: mean, std: std) }
        return Tensor(shape: shape, scalars: scalars)
    }

}

extension UInt64 {
    @inline(__always)
    fileprivate func rotateRight(by amount: UInt64) -> UInt64 {
        let r = amount & 63
        return r == 0 ? self : (self >> r) | (self << (64 - r))
    }
}
