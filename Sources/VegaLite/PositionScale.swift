import Reproducible

/// An x or y scale resolved against the data, mapping values to Vega pixel coordinates (x
/// rightwards from the view's left edge, y downwards from its top), exactly as Vega's scales do.
/// https://vega.github.io/vega-lite/docs/scale.html
struct PositionScale {
    enum Kind: String { case linear, log, sqrt, symlog, time, band, point, pow }

    var kind: Kind
    /// Continuous domain (already nice/zero-adjusted).
    var domain: (Double, Double) = (0, 1)
    /// Discrete domain.
    var categories: [DataValue] = []
    /// The pixel range [r0, r1] (for y usually [height, 0]).
    var range: (Double, Double)
    var paddingInner = 0.0
    var paddingOuter = 0.0
    var exponent = 1.0

    var isDiscrete: Bool { kind == .band || kind == .point }

    /// Category index lookup, built once (the keys are values; no iteration over it).
    private var index: [DataValue: Int] = [:]

    init(kind: Kind, domain: (Double, Double), range: (Double, Double)) {
        self.kind = kind
        self.domain = domain
        self.range = range
    }

    init(kind: Kind, categories: [DataValue], range: (Double, Double), paddingInner: Double, paddingOuter: Double) {
        self.kind = kind
        self.categories = categories
        self.range = range
        self.paddingInner = paddingInner
        self.paddingOuter = paddingOuter
        for (i, c) in categories.enumerated() where index[c] == nil { index[c] = i }
    }

    /// d3's band/point layout: (start, step, bandwidth).
    var bandLayout: (start: Double, step: Double, bandwidth: Double) {
        let n = Double(categories.count)
        let lo = min(range.0, range.1), hi = max(range.0, range.1)
        let inner = kind == .point ? 1.0 : paddingInner
        let step = (hi - lo) / max(1, n - inner + paddingOuter * 2)
        let start = lo + (hi - lo - step * (n - inner)) * 0.5
        return (start, step, kind == .point ? 0 : step * (1 - inner))
    }

    var bandwidth: Double { isDiscrete ? bandLayout.bandwidth : 0 }

    /// The transformed value for continuous kinds.
    func transform(_ v: Double) -> Double {
        switch kind {
        case .log: return v > 0 ? ReproducibleMath.log10(v) : (v < 0 ? -ReproducibleMath.log10(-v) : .nan)
        case .sqrt: return v < 0 ? -(-v).squareRoot() : v.squareRoot()
        case .pow: return v < 0 ? -ReproducibleMath.pow(-v, exponent) : ReproducibleMath.pow(v, exponent)
        case .symlog: return v < 0 ? -ReproducibleMath.log(1 - v) : ReproducibleMath.log(1 + v)   // constant 1
        default: return v
        }
    }

    /// The pixel position of a continuous value.
    func map(_ v: Double) -> Double {
        let t0 = transform(domain.0), t1 = transform(domain.1)
        guard t1 != t0 else { return (range.0 + range.1) / 2 }
        return range.0 + (transform(v) - t0) / (t1 - t0) * (range.1 - range.0)
    }

    /// The start of a category's band (or its point), reversed ranges included.
    func map(category v: DataValue) -> Double? {
        guard let i = index[v] else { return nil }
        let (start, step, bandwidth) = bandLayout
        let offset = start + step * Double(i)
        if range.1 < range.0 {   // reversed: d3 reverses the value order
            let lo = min(range.0, range.1), hi = max(range.0, range.1)
            return hi - (offset - lo) - bandwidth
        }
        return offset
    }

    /// The pixel position of any value: the band's start for band scales (callers add
    /// bandwidth/2 for centres), the point for point scales.
    func position(_ v: DataValue) -> Double? {
        if isDiscrete { return map(category: v) }
        guard !v.isNull, let n = (kind == .time ? DateParser.value(v) : v.number), n.isFinite else { return nil }
        if kind == .log && n <= 0 { return nil }
        return map(n)
    }
}
