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

        var w = Tensor.zeros([d, c]), b = [Float](repeating: 0, count: c)
        var mW = Tensor.zeros([d, c]), vW = Tensor.zeros([d, c])
        var mB = [Float](repeating: 0, count: c), vB = [Float](repeating: 0, count: c)
        var probabilities = Tensor.zeros([n, c])
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        for step in 1...max(settings.iterations, 1) {
            // Forward: softmax(xW + b); the gradient of the mean cross-entropy is (p - onehot) / n.
            probabilities = x.matmul(w).addingRowVector(Tensor(shape: [c], scalars: b))
            Self.softmaxRows(&probabilities)
            probabilities.scalars.withUnsafeMutableBufferPointer { p in
                for row in 0..<n { p[row * c + labels[row]] -= 1 }
                for i in 0..<p.count { p[i] /= Float(n) }
            }
            var gradW = x.matmul(probabilities, transposeSelf: true)
            gradW += w * settings.l2
            let gradB = probabilities.meanOverFirstAxis() * Float(n)
            let correction1 = 1 - Float(Double(beta1).power(step)), correction2 = 1 - Float(Double(beta2).power(step))
            for i in 0..<(d * c) {
                let g = gradW.scalars[i]
                mW.scalars[i] = beta1 * mW.scalars[i] + (1 - beta1) * g
                vW.scalars[i] = beta2 * vW.scalars[i] + (1 - beta2) * g * g
                w.scalars[i] -= settings.learningRate * (mW.scalars[i] / correction1) / ((vW.scalars[i] / correction2).squareRoot() + epsilon)
            }
            for i in 0..<c {
                let g = gradB.scalars[i]
                mB[i] = beta1 * mB[i] + (1 - beta1) * g
                vB[i] = beta2 * vB[i] + (1 - beta2) * g * g
                b[i] -= settings.learningRate * (mB[i] / correction1) / ((vB[i] / correction2).squareRoot() + epsilon)
            }
        }
        weights = w
        bias = b
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

    static func softmaxRows(_ logits: inout Tensor) {
        let c = logits.shape[1]
        logits.scalars.withUnsafeMutableBufferPointer { values in
            for row in 0..<(values.count / c) {
                let base = row * c
                var largest = -Float.infinity
                for j in 0..<c { largest = max(largest, values[base + j]) }
                var total: Float = 0
                for j in 0..<c { let e = expf(values[base + j] - largest); values[base + j] = e; total += e }
                for j in 0..<c { values[base + j] /= total }
            }
        }
    }
}

extension Double {
    fileprivate func power(_ exponent: Int) -> Double { Foundation.pow(self, Double(exponent)) }
}

import Foundation
