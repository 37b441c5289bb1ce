import CBLAS
import Tensor

/// Small building blocks shared by the layers: bias broadcast and column sums.
enum Kernels {
    /// Sets every row of `out` (`rows x width`, row stride `stride`) to `bias`, ready for a
    /// product accumulated on top with beta = 1.
    static func fillRows(_ out: UnsafeMutablePointer<Float>, rows: Int, width: Int, stride: Int? = nil,
                         bias: UnsafePointer<Float>, parts: Int) {
        let stride = stride ?? width
        Parallel.forRanges(rows, parts: parts) { range in
            for r in range {
                (out + r * stride).update(from: bias, count: width)
            }
        }
    }

    /// `out[j] = Σ_r x[r, j]` over the workspace's rows: the product `x^T ones`, one sgemv
    /// (memory-bound; sgemm would first copy all of `x` into its packed layout).
    static func columnSum(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>,
                          _ ws: Workspace) {
        precondition(rows <= ws.rows, "column sum over more rows than the workspace has")
        cblas_sgemv(CblasRowMajor, CblasTrans, blasint(rows), blasint(width), 1, x, blasint(width),
                    ws.ones, 1, 0, out, 1)
    }

    /// `out = a + b`, elementwise over `count`.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                    count: Int, parts: Int) {
        Parallel.forRanges(count, parts: parts) { range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }
}
