import Reproducible

/// d3-array's `ticks`, `tickIncrement` and d3-scale's linear `nice`, which Vega uses for
/// quantitative axes and `nice: true` domains (https://d3js.org/d3-array/ticks,
/// https://vega.github.io/vega-lite/docs/scale.html#continuous "nice"). Powers of ten come from
/// ReproducibleMath so the ticks are the same bits on every machine.
enum D3Ticks {
    static let e10 = 50.0.squareRoot(), e5 = 10.0.squareRoot(), e2 = 2.0.squareRoot()

    /// 10^p for integer p, exact where the power is representable (as JS's Math.pow gives).
    static func pow10(_ p: Double) -> Double {
        guard p == p.rounded(), abs(p) < 300 else { return ReproducibleMath.pow(10, p) }
        let e = Int(p)
        return e >= 0 ? ReproducibleMath.power(10, e) : 1 / ReproducibleMath.power(10, -e)
    }

    /// floor(log10(x)) exactly at powers of ten (JS's Math.log10(1000) is exactly 3; a
    /// last-bit error here would move every tick).
    static func floorLog10(_ x: Double) -> Double {
        guard x > 0, x.isFinite else { return ReproducibleMath.log10(x).rounded(.down) }
        var e = ReproducibleMath.log10(x).rounded(.down)
        if pow10(e) > x { e -= 1 }
        if pow10(e + 1) <= x { e += 1 }
        return e
    }

    /// (i1, i2, inc) as d3's tickSpec: ticks are i * inc (inc > 0) or i / -inc (inc < 0).
    static func spec(_ start: Double, _ stop: Double, _ count: Double) -> (Double, Double, Double) {
        let step = (stop - start) / max(0, count)
        let power = floorLog10(step)
        let error = step / pow10(power)
        let factor: Double = error >= e10 ? 10 : error >= e5 ? 5 : error >= e2 ? 2 : 1
        var i1: Double, i2: Double, inc: Double
        if power < 0 {
            inc = pow10(-power) / factor
            i1 = (start * inc).rounded(.toNearestOrAwayFromZero); i2 = (stop * inc).rounded(.toNearestOrAwayFromZero)
            if i1 / inc < start { i1 += 1 }
            if i2 / inc > stop { i2 -= 1 }
            inc = -inc
        } else {
            inc = pow10(power) * factor
            i1 = (start / inc).rounded(.toNearestOrAwayFromZero); i2 = (stop / inc).rounded(.toNearestOrAwayFromZero)
            if i1 * inc < start { i1 += 1 }
            if i2 * inc > stop { i2 -= 1 }
        }
        if i2 < i1 && 0.5 <= count && count < 2 { return spec(start, stop, count * 2) }
        return (i1, i2, inc)
    }

    static func ticks(_ start: Double, _ stop: Double, count: Double) -> [Double] {
        guard count > 0, start.isFinite, stop.isFinite else { return [] }
        if start == stop { return [start] }
        let reverse = stop < start
        let (lo, hi) = reverse ? (stop, start) : (start, stop)
        let (i1, i2, inc) = spec(lo, hi, count)
        guard i2 >= i1, inc.isFinite, inc != 0, i2 - i1 < 100_000 else { return [] }
        let n = Int(i2 - i1 + 1)
        guard n > 0, n < 100_000 else { return [] }
        var out = (0..<n).map { i -> Double in inc < 0 ? (i1 + Double(i)) / -inc : (i1 + Double(i)) * inc }
        if reverse { out.reverse() }
        return out
    }

    static func increment(_ start: Double, _ stop: Double, _ count: Double) -> Double {
        let step = (stop - start) / max(0, count)
        let power = floorLog10(step)
        let error = step / pow10(power)
        let factor: Double = error >= e10 ? 10 : error >= e5 ? 5 : error >= e2 ? 2 : 1
        return power >= 0 ? factor * pow10(power) : -pow10(-power) / factor
    }

    /// The tick step d3 would use, positive (for the default format's precision).
    static func step(_ start: Double, _ stop: Double, count: Double) -> Double {
        let (lo, hi) = start <= stop ? (start, stop) : (stop, start)
        let (_, _, inc) = spec(lo, hi, count)
        return inc < 0 ? 1 / -inc : inc
    }

    /// d3-scale's linear.nice(count): widen the domain to multiples of the tick step.
    static func nice(_ domain: (Double, Double), count: Double = 10) -> (Double, Double) {
        var (start, stop) = domain
        let reversed = stop < start
        if reversed { swap(&start, &stop) }
        guard start.isFinite, stop.isFinite, stop > start else { return domain }
        var prestep = Double.nan
        for _ in 0..<10 {
            let step = increment(start, stop, count)
            if step == prestep { break }
            if step > 0 {
                start = (start / step).rounded(.down) * step
                stop = (stop / step).rounded(.up) * step
            } else if step < 0 {
                start = (start * step).rounded(.up) / step
                stop = (stop * step).rounded(.down) / step
            } else { break }
            prestep = step
        }
        return reversed ? (stop, start) : (start, stop)
    }
}
