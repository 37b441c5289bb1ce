import Tensor

/// Small building blocks shared by the layers: column sums and elementwise addition.
enum Kernels {
    /// `out[j] = Σ_r x[r, j]`, each column summed from row 0 down, 16 columns at a time (a bias
    /// gradient). One chain of additions per column, so the bits depend only on the input.
    static func columnSum(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>,
                          _ ws: Workspace) {
        precondition(rows <= ws.rows, "column sum over more rows than the workspace has")
        var j = 0
        while j + 16 <= width {
            var acc = SIMD16<Float>()
            for r in 0..<rows { acc += VectorMath.load(x + r * width + j) }
            VectorMath.store(acc, out + j)
            j += 16
        }
        while j < width {
            var acc: Float = 0
            for r in 0..<rows { acc += x[r * width + j] }
            out[j] = acc
            j += 1
        }
    }

    /// `out = a + b`, elementwise over `count`.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                    count: Int, parts: Int) {
        Parallel.forRanges(count, parts: parts) { range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }
}
