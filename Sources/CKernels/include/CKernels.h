#ifndef REDERIVE_CKERNELS_H
#define REDERIVE_CKERNELS_H
#include <stddef.h>

/// The instruction sets a matrix-product kernel can use. Every path computes the same bits:
/// each output is one chain of fused multiply-adds over k, in order, and only the number of
/// outputs computed side by side differs.
typedef enum {
    RD_KERNEL_PATH_PORTABLE = 0,
    RD_KERNEL_PATH_AVX2 = 1,
    RD_KERNEL_PATH_AVX512 = 2,
} rd_kernel_path;

/// 1 when this CPU (and its operating system) can run `path`.
int rd_kernel_path_supported(rd_kernel_path path);

/// 1 when the portable path has a hardware fused multiply-add (else `fmaf` is emulated, slowly).
int rd_has_hardware_fma(void);

/// Every product from now on uses `path`; it must be supported.
void rd_kernel_path_select(rd_kernel_path path);
rd_kernel_path rd_kernel_path_selected(void);

/// C = alpha * op(A) op(B) + beta * C + bias, row-major, single-threaded. op(A) is m x k,
/// op(B) k x n, bias (or NULL) has n entries, added to every row.
///
/// Each output is `acc = 0; for p in 0..<k: acc = fma(A[i,p], B[p,j], acc)`, then
/// `alpha * acc`, then `+ beta * C[i,j]` when beta is not 0 (C is not read when beta is 0),
/// then `+ bias[j]`. No step is reassociated, so the result depends only on the inputs.
void rd_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, const float *bias,
              float *c, long ldc);

// What a product may leave out, for the causal (lower-triangular) products of attention.
// Skipping a term is exact only where it is an exact zero times a finite number: each chain
// starts at +0, never becomes -0, and fma(±0, x, s) == s for such s, so the skipped terms at
// a chain's start or end cannot change a bit.
typedef enum {
    RD_STRUCTURE_FULL = 0,
    // Only outputs C[i][j] with j <= i are wanted; tiles wholly above the diagonal are skipped
    // (C is left as it was there; tiles crossing it may write above it).
    RD_STRUCTURE_LOWER_OUTPUT = 1,
    // op(A)[i][p] == 0 for p > i: row i's chain stops after term i (and its tile's last row).
    RD_STRUCTURE_A_LOWER = 2,
    // op(A)[i][p] == 0 for p < i: row i's chain starts at term i (its tile's first row).
    RD_STRUCTURE_A_UPPER = 3,
} rd_structure;

void rd_sgemm_structured(rd_structure structure, int transpose_a, int transpose_b, long m, long n, long k,
                         float alpha, const float *a, long lda, const float *b, long ldb, float beta,
                         const float *bias, float *c, long ldc);

// What each output's chain ends with, after the bias: fusing the MLP's ReLU and its gradient's
// mask into the product saves a pass over the hidden layer. Both only pick between v and +0.
typedef enum {
    RD_FINISH_NONE = 0,
    // +0 where v < 0 (v itself otherwise, -0 and NaN included): ReLU.
    RD_FINISH_RELU = 1,
    // +0 where mask[i][j] <= 0, v otherwise: ReLU's gradient, with mask its output.
    RD_FINISH_ZERO_WHERE_NONPOSITIVE = 2,
} rd_finish;

// `rd_sgemm_structured` with a finish; `mask` (ldm its row stride) is read only by
// RD_FINISH_ZERO_WHERE_NONPOSITIVE.
void rd_sgemm_finished(rd_structure structure, int transpose_a, int transpose_b, long m, long n, long k,
                       float alpha, const float *a, long lda, const float *b, long ldb, float beta,
                       const float *bias, rd_finish finish, const float *mask, long ldm, float *c, long ldc);

/// Runs `iterations` rounds of independent fused multiply-adds in registers on the selected
/// path, with no memory traffic: the core's FMA peak, which no product can beat. Returns the
/// floating-point operations done (2 per lane per fma).
double rd_fma_peak_flops(long iterations);

// Row loops (rows.c), the same bits on every path as Swift's `VectorMath`:
// row[i] = e^(row[i] - shift) for i < n; returns their sum in 16 lanes and a fixed tree.
float rd_exp_shifted(float *row, long n, float shift);
// LayerNorm of each row of x [rows, d]: its mean and scale = sqrt(biased variance + eps), then
// (apart, so that a hook may rewrite the scale in between) the normalised row and the output
// normalised * w + b.
void rd_layer_norm_statistics(const float *x, long rows, long d, float eps, float *mean, float *scale);
void rd_layer_norm_apply(const float *x, const float *w, const float *b, long rows, long d,
                         const float *mean, const float *scale, float *normalized, float *out);
// Both, row by row (when no hook reads or rewrites the scale in between).
void rd_layer_norm_forward(const float *x, const float *w, const float *b, long rows, long d, float eps,
                           float *mean, float *scale, float *normalized, float *out);
// The input's gradient of each row (written, or added when accumulate != 0); scratch holds d floats.
void rd_layer_norm_backward(const float *d_out, const float *normalized, const float *scale, const float *w,
                            long rows, long d, int accumulate, float *scratch, float *d_input);
// out[j] = Σ x[r][j] over the rows, in row order.
void rd_column_sum(const float *x, long rows, long width, float *out);
// dw += Σ d_out * normalized and db += Σ d_out over the rows, in row order.
void rd_layer_norm_parameter_sums(const float *d_out, const float *normalized, long rows, long d,
                                  float *dw, float *db);

#endif
