import Tensor

/// Small building blocks shared by the layers: bias broadcast and column sums.
enum Kernels {
    /// Sets every row of `out` (`rows x width`, row stride `stride`) to `bias`, ready for a
    /// product accumulated on top with beta = 1.
    static func fillRows(_ out: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                         bias: UnsafePointer<Float>) {
        let stride = stride ?? width
        Parallel.forRanges(rows) { range in
            for r in range {
                (out + r * stride).update(from: bias, count: width)
            }
        }
    }

    /// `out[j] = Σ_r x[r, j]` over `rows` rows of `width` (row stride `stride`). Summed in
    /// `Parallel.reductionChunks` fixed chunks, then the chunks in order, so the result does not
    /// depend on the thread count.
    static func columnSum(_ x: UnsafePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                          into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let stride = stride ?? width
        let chunks = Parallel.reductionChunks
        Parallel.forEach(chunks) { c in
            let partial = scratch + c * width
            partial.update(repeating: 0, count: width)
            for r in rows * c / chunks ..< rows * (c + 1) / chunks {
                let row = x + r * stride
                for j in 0..<width { partial[j] += row[j] }
            }
        }
        out.update(repeating: 0, count: width)
        for c in 0..<chunks {
            let partial = scratch + c * width
            for j in 0..<width { out[j] += partial[j] }
        }
    }

    /// `out = a + b`, elementwise over `count`.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count) { range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }
}
