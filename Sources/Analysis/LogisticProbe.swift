import Reproducible
import Tensor

/// A multinomial logistic-regression probe: which of `classCount` positions a residual vector
/// sits at.
///
/// Features are standardised with the training split's mean and standard deviation; the
/// weights start at zero and take `iterations` full-batch Adam steps on the mean cross-entropy
/// plus a small L2 penalty. Full batch and zero start make it deterministic.
public struct LogisticProbe: Sendable {
    public var weights: Tensor        // [d, classes]
    public var bias: [Float]          // [classes]
    public var featureMean: Tensor    // [d]
    public var featureScale: [Float]  // 1 / std, [d]

    public struct Settings: Sendable {
        public var iterations = 100
        public var learningRate: Float = 0.1
        public var l2: Float = 1e-4
        public init() {}
    }

    public init(features: Tensor, labels: [Int], classCount: Int, settings: Settings = Settings()) throws(AnalysisError) {
        guard features.rank == 2, features.shape[0] == labels.count, !labels.isEmpty else {
            throw .badInput("logistic probe: features \(features.shape) do not match \(labels.count) labels")
        }
        guard labels.allSatisfy({ $0 >= 0 && $0 < classCount }) else {
            throw .badInput("logistic probe: labels must lie in 0..<\(classCount)")
        }
        if let bad = features.firstNonFinite {
            throw .badInput("logistic probe: feature \(bad.index) is \(bad.value); the activations are not finite")
        }
        let (n, d, c) = (features.shape[0], features.shape[1], classCount)
        featureMean = features.meanOverFirstAxis()
        var variance = [Double](repeating: 0, count: d)
        for row in 0..<n {
            for j in 0..<d {
                let x = Double(features.scalars[row * d + j] - featureMean.scalars[j])
                variance[j] += x * x
            }
        }
        featureScale = variance.map { let std = ($0 / Double(n)).squareRoot(); return std > 1e-12 ? Float(1 / std) : 0 }
        let x = Self.standardise(features, mean: featureMean, scale: featureScale)

        (weights, bias) = Self.fit(x.scalars, labels: labels, rows: n, features: d, classes: c, settings: settings)
        // The fit takes a fixed number of steps, so it always ends; a divergent one is refused.
        guard weights.firstNonFinite == nil, bias.allSatisfy(\.isFinite) else {
            throw .notConverged(what: "logistic probe", iterations: settings.iterations, reason: "its weights became NaN or infinite")
        }
    }

    /// Full-batch Adam from zero on the mean cross-entropy plus `l2`; returns W `[d, c]` and b.
    /// Every buffer is made before the loop.
    static func fit(_ x: [Float], labels: [Int], rows n: Int, features d: Int, classes c: Int,
                    settings: Settings) -> (Tensor, [Float]) {
        var w = [Float](repeating: 0, count: d * c), b = [Float](repeating: 0, count: c)
        var mW = w, vW = w, gradW = w, mB = b, vB = b
        // Probabilities, then the loss gradient with respect to the logits.
        var p = [Float](repeating: 0, count: n * c)
        var gradB = [Double](repeating: 0, count: c)
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let (rate, l2, inverseN) = (settings.learningRate, settings.l2, 1 / Float(n))
        x.withUnsafeBufferPointer { x in
            let x = x.baseAddress!
            for step in 1...max(settings.iterations, 1) {
                let correction1 = 1 - Float(Double(beta1).power(step)), correction2 = 1 - Float(Double(beta2).power(step))
                p.withUnsafeMutableBufferPointer { p in
                    let p = p.baseAddress!
                    // p = softmax(x W + b); then (p - onehot) / n.
                    for row in 0..<n { (p + row * c).update(from: b, count: c) }
                    Gemm.product(m: n, n: c, k: d, a: x, lda: d, b: w, ldb: c, beta: 1, c: p, ldc: c)
                    for row in 0..<n {
                        let r = p + row * c
                        let total = VectorMath.expShifted(r, c, shift: VectorMath.max(r, c))
                        VectorMath.scale(r, c, by: 1 / total)
                        r[labels[row]] -= 1
                        VectorMath.scale(r, c, by: inverseN)
                    }
                    // gradW = x^T p + l2 W; gradB = column sums of p.
                    for i in 0..<(d * c) { gradW[i] = w[i] * l2 }
                    Gemm.product(transposeA: true, m: d, n: c, k: n, a: x, lda: d, b: p, ldb: c, beta: 1, c: &gradW, ldc: c)
                    gradB.withUnsafeMutableBufferPointer { gradB in
                        for j in 0..<c { gradB[j] = 0 }
                        for row in 0..<n { for j in 0..<c { gradB[j] += Double(p[row * c + j]) } }
                    }
                }
                for i in 0..<(d * c) {
                    let g = gradW[i]
                    mW[i] = beta1 * mW[i] + (1 - beta1) * g
                    vW[i] = beta2 * vW[i] + (1 - beta2) * g * g
                    w[i] -= rate * (mW[i] / correction1) / ((vW[i] / correction2).squareRoot() + epsilon)
                }
                for j in 0..<c {
                    let g = Float(gradB[j])
                    mB[j] = beta1 * mB[j] + (1 - beta1) * g
                    vB[j] = beta2 * vB[j] + (1 - beta2) * g * g
                    b[j] -= rate * (mB[j] / correction1) / ((vB[j] / correction2).squareRoot() + epsilon)
                }
            }
        }
        return (Tensor(shape: [d, c], scalars: w), b)
    }

    /// The most likely class of each row of `features`.
    public func predict(_ features: Tensor) -> [Int] {
        let logits = Self.standardise(features, mean: featureMean, scale: featureScale)
            .matmul(weights).addingRowVector(Tensor(shape: [bias.count], scalars: bias))
        let c = bias.count
        return (0..<features.shape[0]).map { row in
            var best = 0
            for j in 1..<c where logits.scalars[row * c + j] > logits.scalars[row * c + best] { best = j }
            return best
        }
    }

    /// Exact accuracy, and accuracy when off by at most `tolerance` classes.
    public func accuracy(features: Tensor, labels: [Int], tolerance: Int = 1) -> (exact: Double, withinTolerance: Double) {
        let predictions = predict(features)
        var exact = 0, near = 0
        for (prediction, label) in zip(predictions, labels) {
            if prediction == label { exact += 1 }
            if abs(prediction - label) <= tolerance { near += 1 }
        }
        return (Double(exact) / Double(labels.count), Double(near) / Double(labels.count))
    }

    static func standardise(_ features: Tensor, mean: Tensor, scale: [Float]) -> Tensor {
        var x = features.addingRowVector(mean * -1)
        let d = scale.count
        x.scalars.withUnsafeMutableBufferPointer { values in
            for i in 0..<values.count { values[i] *= scale[i % d] }
        }
        return x
    }
}

extension Double {
    fileprivate func power(_ exponent: Int) -> Double { ReproducibleMath.power(self, exponent) }
}

import Foundation
