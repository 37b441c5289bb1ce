import Reproducible

/// A bin definition (`bin: true` or `{maxbins, step, extent, nice, base, divide, minstep}`).
struct BinOptions: Equatable {
    var maxbins: Double?
    var step: Double?
    var extent: (Double, Double)?
    var nice = true
    var base = 10.0
    var divide: [Double] = [5, 2]
    var minstep = 0.0

    static func == (a: BinOptions, b: BinOptions) -> Bool {
        a.maxbins == b.maxbins && a.step == b.step && a.extent?.0 == b.extent?.0 && a.extent?.1 == b.extent?.1 && a.nice == b.nice
    }

    static func parse(_ node: Node) throws(VegaLiteError) -> BinOptions {
        try node.allowOnly(["maxbins", "step", "extent", "nice", "base", "divide", "minstep", "anchor", "binned"], what: "bin")
        var o = BinOptions()
        o.maxbins = node["maxbins"]?.value.number
        o.step = node["step"]?.value.number
        if let e = node["extent"]?.value.array, e.count == 2, let a = e[0].number, let b = e[1].number { o.extent = (a, b) }
        if let n = node["nice"]?.value.bool { o.nice = n }
        if let b = node["base"]?.value.number { o.base = b }
        if let d = node["divide"]?.value.array?.compactMap(\.number), !d.isEmpty { o.divide = d }
        if let m = node["minstep"]?.value.number { o.minstep = m }
        return o
    }

    /// Vega's bin rule (vega-statistics `bin`): the step from maxbins and the span, the nice
    /// start and stop. https://vega.github.io/vega/docs/transforms/bin/
    func bins(min lo: Double, max hi: Double, defaultMaxbins: Double) -> (start: Double, stop: Double, step: Double) {
        var min = extent?.0 ?? lo, max = extent?.1 ?? hi
        let maxb = maxbins ?? defaultMaxbins
        let logb = ReproducibleMath.log(base)
        let span = (max - min) != 0 ? (max - min) : (abs(min) != 0 ? abs(min) : 1)
        var step: Double
        if let s = self.step {
            step = s
        } else {
            let level = (ReproducibleMath.log(maxb) / logb).rounded(.up)
            step = Swift.max(minstep, Self.power(base, (ReproducibleMath.log(span) / logb).rounded(.toNearestOrAwayFromZero) - level))
            var guardCount = 0
            while (span / step).rounded(.up) > maxb && guardCount < 400 { step *= base; guardCount += 1 }
            for d in divide {
                let v = step / d
                if v >= minstep && span / v <= maxb { step = v }
            }
        }
        let v = ReproducibleMath.log(step)
        let precision = v >= 0 ? 0.0 : (-v / logb).rounded(.towardZero) + 1
        let eps = Self.power(base, -precision - 1)
        if nice {
            let s = ((min / step + eps).rounded(.down)) * step
            min = min < s ? s - step : s
            max = (max / step).rounded(.up) * step
        }
        return (min, max == min ? min + step : max, step)
    }

    /// base^e, exact for integer e (JS's Math.pow(10, 1) is exactly 10; a last-bit error in
    /// the step would shift every bin edge off the nice values).
    static func power(_ base: Double, _ e: Double) -> Double {
        guard e == e.rounded(), abs(e) < 300 else { return ReproducibleMath.pow(base, e) }   // Int(e) is safe below
        return e >= 0 ? ReproducibleMath.power(base, Int(e)) : 1 / ReproducibleMath.power(base, -Int(e))
    }

    /// The start of the bin holding `value`, Vega's bin transform.
    static func binStart(_ value: Double, start: Double, stop: Double, step: Double) -> Double {
        let v = Swift.max(start, Swift.min(value, stop - step))
        return start + step * ((v - start) / step + 1e-14).rounded(.down)
    }
}
