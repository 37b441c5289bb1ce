import CKernels
import Tensor

/// Small building blocks shared by the layers: column sums and elementwise addition.
enum Kernels {
    /// `out[j] = Σ_r x[r, j]`, each column summed from row 0 down (a bias gradient). One chain
    /// of additions per column, so the bits depend only on the input.
    static func columnSum(_ x: UnsafePointer<Float>, rows: Int, width: Int, into out: UnsafeMutablePointer<Float>,
                          _ ws: Workspace) {
        precondition(rows <= ws.rows, "column sum over more rows than the workspace has")
        rd_column_sum(x, rows, width, out)
    }

    /// `out = a + b`, elementwise over `count`.
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                    count: Int, parts: Int) {
        Parallel.forRanges(count, parts: parts) { range in
            for i in range { out[i] = a[i] + b[i] }
        }
    }
}
