import CKernels
import Dispatch

/// Matrix products through our own kernels (`Sources/CKernels`), whose bits depend only on the
/// inputs: every output accumulates over k as one chain of fused multiply-adds, in order, on
/// every CPU, kernel path and thread count (threads only choose which block of outputs they
/// compute). This is what lets a checkpoint made on one machine be remade on another.
///
/// The pointer form is for hot loops (the training step): it allocates nothing once warm. The
/// `Tensor` form below is for everything else.
public enum Gemm {
    /// While set, every `product` call adds its shape here (for the benchmark's floor).
    nonisolated(unsafe) public static var recorder: GemmRecorder?

    /// Threads one large product may use. Small products always run on the calling thread.
    nonisolated(unsafe) public static var threadCount = 1

    /// Below this many multiply-adds a product is not worth splitting across threads.
    public static let parallelThreshold = 1 << 21

    /// What a product may leave out, for attention's causal products (see `rd_structure`):
    /// terms that are exact zeros of a triangular `op(A)`, or outputs above the diagonal. The
    /// outputs it does compute have the same bits as the full product's.
    public enum Structure: Sendable {
        case full
        /// Only `C[i][j]` with `j <= i` are wanted; others may be left as they were.
        case lowerOutput
        /// `op(A)[i][p] == 0` for `p > i`.
        case lowerA
        /// `op(A)[i][p] == 0` for `p < i`.
        case upperA

        @usableFromInline var code: rd_structure {
            switch self {
            case .full: RD_STRUCTURE_FULL
            case .lowerOutput: RD_STRUCTURE_LOWER_OUTPUT
            case .lowerA: RD_STRUCTURE_A_LOWER
            case .upperA: RD_STRUCTURE_A_UPPER
            }
        }
    }

    /// What each output ends with, after the bias (see `rd_finish`). Fusing the MLP's ReLU and
    /// its gradient's mask into the products saves a pass over the hidden layer each way.
    public enum Finish {
        case none
        /// `+0` where the output is below 0: ReLU.
        case relu
        /// `+0` where `mask[i][j] <= 0` (mask `[m, n]`, rows `ldm` apart): ReLU's gradient.
        case zeroWhereNonPositive(mask: UnsafePointer<Float>, ldm: Int)

        @usableFromInline var code: rd_finish {
            switch self {
            case .none: RD_FINISH_NONE
            case .relu: RD_FINISH_RELU
            case .zeroWhereNonPositive: RD_FINISH_ZERO_WHERE_NONPOSITIVE
            }
        }

        @usableFromInline var mask: (pointer: UnsafePointer<Float>?, ldm: Int) {
            guard case .zeroWhereNonPositive(let mask, let ldm) = self else { return (nil, 0) }
            return (mask, ldm)
        }
    }

    /// `C = alpha * op(A) * op(B) + beta * C + bias` for row-major matrices, where `op(A)` is
    /// `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]` and `bias` (if any) has `n` entries, added
    /// to every row, then `finish`. Leading dimensions are those of the matrices as stored
    /// (before any transpose). With `beta` 0, `C` is not read. A `structure` other than `.full`
    /// runs on the calling thread (its triangle is tied to the rows' indices).
    @inlinable
    public static func product(
        transposeA: Bool = false, transposeB: Bool = false, structure: Structure = .full,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        bias: UnsafePointer<Float>? = nil,
        finish: Finish = .none,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if let recorder {
            recorder.record(GemmShape(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                      lda: lda, ldb: ldb, ldc: ldc))
        }
        let threads = threadCount
        if threads <= 1 || m * n * k < parallelThreshold || structure != .full {
            let (mask, ldm) = finish.mask
            rd_sgemm_finished(structure.code, transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb,
                              beta, bias, finish.code, mask, ldm, c, ldc)
            return
        }
        splitProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                     a: a, lda: lda, b: b, ldb: ldb, beta: beta, bias: bias, finish: finish, c: c, ldc: ldc,
                     threads: threads)
    }

    /// Splits C into `threads` blocks of whole rows (or of columns, when C is wide), each a
    /// product of its own. Each output is still one chain over k, so the split cannot change it.
    @usableFromInline
    static func splitProduct(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, bias: UnsafePointer<Float>?, finish: Finish,
                             c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int) {
        let byRows = m >= n
        let (extent, granule) = byRows ? (m, 16) : (n, 32)
        let blocks = (extent + granule - 1) / granule
        let parts = max(1, min(threads, blocks))
        let (mask, ldm) = finish.mask, code = finish.code
        let operands = UncheckedOperands(a: a, b: b, bias: bias, mask: mask, c: c)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lo = blocks * part / parts * granule, hi = min(extent, blocks * (part + 1) / parts * granule)
            guard lo < hi else { return }
            if byRows {
                let aBlock = operands.a + (transposeA ? lo : lo * lda)
                rd_sgemm_finished(RD_STRUCTURE_FULL, transposeA ? 1 : 0, transposeB ? 1 : 0, hi - lo, n, k, alpha, aBlock, lda,
                                  operands.b, ldb, beta, operands.bias, code, operands.mask.map { $0 + lo * ldm }, ldm,
                                  operands.c + lo * ldc, ldc)
            } else {
                let bBlock = operands.b + (transposeB ? lo * ldb : lo)
                rd_sgemm_finished(RD_STRUCTURE_FULL, transposeA ? 1 : 0, transposeB ? 1 : 0, m, hi - lo, k, alpha, operands.a, lda,
                                  bBlock, ldb, beta, operands.bias.map { $0 + lo }, code, operands.mask.map { $0 + lo }, ldm,
                                  operands.c + lo, ldc)
            }
        }
    }

    /// Raw operand pointers handed to worker threads, which write disjoint blocks of `c`.
    @usableFromInline
    struct UncheckedOperands: @unchecked Sendable {
        let a: UnsafePointer<Float>, b: UnsafePointer<Float>, bias: UnsafePointer<Float>?, mask: UnsafePointer<Float>?
        let c: UnsafeMutablePointer<Float>
        @usableFromInline init(a: UnsafePointer<Float>, b: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               mask: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>) {
            self.a = a; self.b = b; self.bias = bias; self.mask = mask; self.c = c
        }
    }
}

extension Gemm {
    /// The cores' fused multiply-add peak in GFLOP/s on the selected kernel path: `threads`
    /// threads each run independent register-only FMA chains for about `seconds`. No product
    /// can beat it; `bench train --sgemm` reports the kernels' share of it.
    public static func fmaPeakGFLOPs(threads: Int, seconds: Double = 0.5) -> Double {
        let iterations = 1 << 22
        // Calibrate on one thread, then run every thread for the same count.
        var start = DispatchTime.now().uptimeNanoseconds
        _ = rd_fma_peak_flops(iterations / 16)
        let probe = max(1e-6, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        let rounds = max(iterations / 16, Int(Double(iterations / 16) * seconds / probe))
        let parts = max(1, threads)
        start = DispatchTime.now().uptimeNanoseconds
        let perThread = UnsafeMutableBufferPointer<Double>.allocate(capacity: parts)
        defer { perThread.deallocate() }
        let results = UncheckedResults(pointer: perThread.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: parts) { results.pointer[$0] = rd_fma_peak_flops(rounds) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return perThread.reduce(0, +) / elapsed / 1e9
    }

    private struct UncheckedResults: @unchecked Sendable { let pointer: UnsafeMutablePointer<Double> }
}

/// Matrix products of tensors.
extension Tensor {
    /// `op(self) x op(other)` over the last two axes, batched over the leading ones.
    ///
    /// Leading axes must match, or `other` may be a plain matrix that is applied to every
    /// matrix of `self` (the usual activations x weights case, done as a single product).
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
                        Gemm.product(transposeA: transposeSelf, transposeB: transposeOther,
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
