extension LinearAlgebra {
    /// Implicit QL iterations allowed per eigenvalue before `symmetricEigen` gives up (LAPACK's
    /// `dsteqr` allows 30 as well; two or three are usual).
    public static let maxIterationsPerEigenvalue = 30

    /// Decomposes a symmetric `[n, n]` matrix (its upper triangle is mirrored onto the lower).
    ///
    /// Householder reduction to tridiagonal form, then the implicit QL method with Wilkinson's
    /// shift on the tridiagonal matrix, accumulating every transformation (EISPACK's `tred2` and
    /// `tql2`, as in JAMA). In `Double`, in loops of a fixed order with no reduction split or
    /// reordered, so the bits depend only on the input. About 9n³ operations: a 256 x 256
    /// covariance takes tens of milliseconds where cyclic Jacobi took over half a second.
    ///
    /// The transformation is kept transposed (`z`'s row `j` is the `j`-th basis vector), so that
    /// every inner loop, and each QL rotation, runs along contiguous rows.
    public static func symmetricEigen(_ matrix: Tensor) throws(LinearAlgebraError) -> SymmetricEigen {
        guard matrix.rank == 2, matrix.shape[0] == matrix.shape[1] else {
            throw .notSquare(shape: matrix.shape)
        }
        try requireFinite(matrix)
        let n = matrix.shape[0]
        if n == 0 { return SymmetricEigen(values: [], vectors: matrix) }
        var z = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { z[i * n + j] = Double(matrix.scalars[i * n + j]); z[j * n + i] = z[i * n + j] } }
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        let converged = z.withUnsafeMutableBufferPointer { z in
            d.withUnsafeMutableBufferPointer { d in
                e.withUnsafeMutableBufferPointer { e in
                    tridiagonalize(z.baseAddress!, d.baseAddress!, e.baseAddress!, n)
                    return tridiagonalQL(d.baseAddress!, e.baseAddress!, z.baseAddress!, n)
                }
            }
        }
        guard converged else {
            throw .notConverged(routine: "symmetric eigendecomposition", iterations: maxIterationsPerEigenvalue * n)
        }
        let order = (0..<n).sorted { d[$0] > d[$1] || (d[$0] == d[$1] && $0 < $1) }
        var vectors = [Float](repeating: 0, count: n * n)
        for (row, j) in order.enumerated() {
            let sign = signToMakeLargestPositive(Array(z[(j * n)..<(j * n + n)]))
            for k in 0..<n { vectors[row * n + k] = Float(sign * z[j * n + k]) }
        }
        return SymmetricEigen(values: order.map { Float(d[$0]) }, vectors: Tensor(shape: [n, n], scalars: vectors))
    }

    /// Householder reduction of the symmetric `z` (`n` square, both triangles filled) to
    /// tridiagonal form `T = Qᵀ A Q`: `d` receives T's diagonal, `e[1..<n]` its subdiagonal
    /// (`e[0] = 0`), and `z` is overwritten by `Qᵀ` (row `j` is Q's column `j`). EISPACK's
    /// `tred2` with its matrix transposed. A numerical kernel kept whole past 80 lines: it follows
    /// `tred2` step for step, so that it can be read against it, and its operation order is what
    /// the fixed bits depend on.
    static func tridiagonalize(_ z: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
                               _ e: UnsafeMutablePointer<Double>, _ n: Int) {
        for j in 0..<n { d[j] = z[j * n + n - 1] }
        for i in stride(from: n - 1, to: 0, by: -1) {
            // Row i of what is left, scaled against under- and overflow.
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += Swift.abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i {
                    d[j] = z[j * n + i - 1]
                    z[j * n + i] = 0
                    z[i * n + j] = 0
                }
            } else {
                // The Householder vector u = x ∓ |x| e_{i−1}, in d[0..<i]; h = |u|² / 2.
                for k in 0..<i {
                    d[k] /= scale
                    h += d[k] * d[k]
                }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                // p = A u / h into e, using and updating the lower triangle (stored in z's upper one).
                for j in 0..<i {
                    f = d[j]
                    z[i * n + j] = f
                    g = e[j] + z[j * n + j] * f
                    let row = z + j * n
                    for k in (j + 1)..<max(j + 1, i) {
                        g += row[k] * d[k]
                        e[k] += row[k] * f
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i {
                    e[j] /= h
                    f += e[j] * d[j]
                }
                // q = p − (uᵀp / 2h) u, then A ← A − u qᵀ − q uᵀ.
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]
                    g = e[j]
                    let row = z + j * n
                    for k in j..<i { row[k] -= f * e[k] + g * d[k] }
                    d[j] = row[i - 1]
                    row[i] = 0
                }
            }
            d[i] = h
        }
        // Accumulate the transformations into Qᵀ.
        for i in 0..<(n - 1) {
            z[i * n + n - 1] = z[i * n + i]
            z[i * n + i] = 1
            let h = d[i + 1]
            let u = z + (i + 1) * n
            if h != 0 {
                for k in 0...i { d[k] = u[k] / h }
                for j in 0...i {
                    let row = z + j * n
                    var g = 0.0
                    for k in 0...i { g += u[k] * row[k] }
                    for k in 0...i { row[k] -= g * d[k] }
                }
            }
            for k in 0...i { u[k] = 0 }
        }
        for j in 0..<n {
            d[j] = z[j * n + n - 1]
            z[j * n + n - 1] = 0
        }
        z[(n - 1) * n + n - 1] = 1
        e[0] = 0
    }

    /// The implicit QL method on the tridiagonal matrix (`d` its diagonal, `e[1..<n]` its
    /// subdiagonal), applying each plane rotation to the rows of `z`: afterwards `d` holds the
    /// eigenvalues (unsorted) and `z`'s row `j` the eigenvector of `d[j]`. EISPACK's `tql2`.
    /// Returns false if an eigenvalue needs more than `maxIterationsPerEigenvalue` iterations.
    static func tridiagonalQL(_ d: UnsafeMutablePointer<Double>, _ e: UnsafeMutablePointer<Double>,
                              _ z: UnsafeMutablePointer<Double>, _ n: Int) -> Bool {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var shift = 0.0, norm = 0.0
        let eps = Double.ulpOfOne
        for l in 0..<n {
            norm = Swift.max(norm, Swift.abs(d[l]) + Swift.abs(e[l]))
            // The first negligible subdiagonal entry at or after l splits the matrix there.
            var m = l
            while m < n - 1, Swift.abs(e[m]) > eps * norm { m += 1 }
            if m > l {
                var iterations = 0
                repeat {
                    iterations += 1
                    if iterations > maxIterationsPerEigenvalue { return false }
                    // Wilkinson's shift from the leading 2 x 2 block.
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    for i in (l + 2)..<max(l + 2, n) { d[i] -= h }
                    shift += h
                    // Chase the bulge from m up to l with plane rotations.
                    p = d[m]
                    var c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0
                    let el1 = e[l + 1]
                    for i in stride(from: m - 1, through: l, by: -1) {
                        c3 = c2
                        c2 = c
                        s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        let lower = z + i * n, upper = z + (i + 1) * n
                        for k in 0..<n {
                            let a = lower[k], b = upper[k]
                            upper[k] = s * a + c * b
                            lower[k] = c * a - s * b
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while Swift.abs(e[l]) > eps * norm
            }
            d[l] += shift
            e[l] = 0
        }
        return true
    }

    /// √(a² + b²) without overflow or underflow in the squares.
    static func hypot(_ a: Double, _ b: Double) -> Double {
        let (x, y) = (Swift.abs(a), Swift.abs(b))
        let (large, small) = x >= y ? (x, y) : (y, x)
        if large == 0 { return 0 }
        let ratio = small / large
        return large * (1 + ratio * ratio).squareRoot()
    }
}
