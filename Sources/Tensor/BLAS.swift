import CBLAS

/// Thin, typed wrappers over OpenBLAS's `cblas_sgemm`.
///
/// The pointer form is for hot loops (the training step): it allocates nothing and accumulates
/// with `beta`. The `Tensor` forms below are for everything else.
public enum BLAS {
    /// While set, every `gemm` call adds its shape here (for the benchmark's sgemm floor).
    nonisolated(unsafe) public static var recorder: GemmRecorder?

    /// `C = alpha * op(A) * op(B) + beta * C` for row-major matrices, where `op(A)` is
    /// `[m, k]`, `op(B)` is `[k, n]` and `C` is `[m, n]`. Leading dimensions are those of the
    /// matrices as stored (before any transpose).
    @inlinable
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if let recorder {
            recorder.record(GemmShape(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      lda: lda, ldb: ldb, ldc: ldc))
        }
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// The number of threads OpenBLAS uses for one call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}

/// Matrix products of tensors.
extension Tensor {
    /// `op(self) x op(other)` over the last two axes, batched over the leading ones.
    ///
    /// Leading axes must match, or `other` may be a plain matrix that is applied to every
    /// matrix of `self` (the usual activations x weights case, done as a single sgemm).
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank >= 2 && other.rank >= 2, "matmul needs matrices, got \(shape) and \(other.shape)")
        let (ar, ac) = (shape[rank - 2], shape[rank - 1])
        let (br, bc) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
        let (m, k) = transposeSelf ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeOther ? (bc, br) : (br, bc)
        precondition(k == k2, "inner dimensions differ: \(shape) x \(other.shape)")
        let batchShape = Array(shape.dropLast(2))
        let batch = batchShape.reduce(1, *)

        // A row-major stack times one untransposed matrix is one tall product.
        if other.rank == 2 && !transposeSelf && rank > 2 {
            return reshaped([batch * ar, ac]).matmul(other, transposeOther: transposeOther)
                .reshaped(batchShape + [m, n])
        }
        precondition(other.rank == 2 || Array(other.shape.dropLast(2)) == batchShape,
                     "batch shapes differ: \(shape) x \(other.shape)")
        let otherStride = other.rank == 2 ? 0 : br * bc
        var out = [Float](repeating: 0, count: batch * m * n)
        scalars.withUnsafeBufferPointer { a in
            other.scalars.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                    for i in 0..<batch {
                        BLAS.gemm(transposeA: transposeSelf, transposeB: transposeOther,
                                  m: m, n: n, k: k,
                                  a: a + i * ar * ac, lda: ac,
                                  b: b + i * otherStride, ldb: bc,
                                  c: c + i * m * n, ldc: n)
                    }
                }
            }
        }
        return Tensor(shape: batchShape + [m, n], scalars: out)
    }
}
