import Foundation
import Reproducible

/// How data values map to 0...1 before a colormap lookup. Bounds left nil come from the data
/// (finite values only).
public enum ColorNorm: Equatable, Sendable {
    /// Linear from `min` to `max`.
    case linear(min: Double? = nil, max: Double? = nil)
    /// Linear and symmetric about `center`: `center ± halfRange`, so the middle of a diverging
    /// map sits on `center`. A nil half range is the largest distance of the data from `center`.
    case centered(at: Double = 0, halfRange: Double? = nil)
    /// Logarithmic from `min` to `max` (both > 0); non-positive values are treated as bad.
    case log(min: Double? = nil, max: Double? = nil)
}

/// A colormap and a norm: what colours a heatmap or a scatter, and what a colorbar shows.
public struct ColorScale: Equatable, Sendable {
    public var colormap: Colormap
    public var norm: ColorNorm

    public init(_ colormap: Colormap = .viridis, norm: ColorNorm = .linear()) {
        self.colormap = colormap
        self.norm = norm
    }

    public static let viridis = ColorScale(.viridis)
    public static let magma = ColorScale(.magma)
    /// Blue–white–red centred on zero.
    public static let diverging = ColorScale(.blueWhiteRed, norm: .centered())
}

/// A norm with its bounds fixed against the data.
public struct ResolvedNorm: Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var isLog: Bool

    /// Resolves `norm` against `values` (non-finite values ignored, and non-positive ones for log).
    public static func resolve(_ norm: ColorNorm, values: [Double]) -> ResolvedNorm {
        var lo = Double.infinity, hi = -Double.infinity
        let logScale: Bool
        if case .log = norm { logScale = true } else { logScale = false }
        for v in values where v.isFinite && (!logScale || v > 0) {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        if lo > hi { lo = logScale ? 1 : 0; hi = logScale ? 10 : 1 }
        switch norm {
        case let .linear(min, max):
            return ResolvedNorm(lower: min ?? lo, upper: max ?? hi, isLog: false).nonsingular()
        case let .centered(center, halfRange):
            let half = halfRange ?? Swift.max(abs(hi - center), abs(lo - center))
            return ResolvedNorm(lower: center - half, upper: center + half, isLog: false).nonsingular()
        case let .log(min, max):
            return ResolvedNorm(lower: min ?? lo, upper: max ?? hi, isLog: true).nonsingular()
        }
    }

    private func nonsingular() -> ResolvedNorm {
        guard upper == lower else { return self }
        if isLog { return ResolvedNorm(lower: lower / 10, upper: upper * 10, isLog: true) }
        let pad = lower == 0 ? 1 : abs(lower) * 0.1
        return ResolvedNorm(lower: lower - pad, upper: upper + pad, isLog: false)
    }

    /// Maps `value` to 0...1 (unclamped); NaN stays NaN.
    @inline(__always)
    public func normalize(_ value: Double) -> Double {
        if isLog {
            guard value > 0 else { return .nan }
            return (ReproducibleMath.log10(value) - ReproducibleMath.log10(lower)) / (ReproducibleMath.log10(upper) - ReproducibleMath.log10(lower))
        }
        return (value - lower) / (upper - lower)
    }
}
