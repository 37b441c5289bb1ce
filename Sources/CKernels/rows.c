// Row-wise loops of the training step (e^x with its sum, LayerNorm forward and backward), with
// the same bits on every path.
//
// Each function is written once, over 16 independent lanes (element i goes to lane i % 16, in
// order; lanes are then added as a fixed tree), and compiled three times: for the baseline
// x86-64 (SSE2: four vectors per 16 lanes), for AVX2 (two) and for AVX-512 (one). Lanes are
// independent IEEE operations and contraction is off, so only the speed differs. Swift code
// cannot be compiled per CPU inside one binary, which is why these loops live here; the
// Swift `VectorMath` functions of the same names compute the same bits.

#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

enum { LANES = 16 };
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// The 16 lanes as a fixed tree: halves, quarters, eighths, then the last two.
ALWAYS_INLINE float lane_sum(const float *v) {
    float eight[8], four[4];
    for (int i = 0; i < 8; i++) eight[i] = v[i] + v[i + 8];
    for (int i = 0; i < 4; i++) four[i] = eight[i] + eight[i + 4];
    float two0 = four[0] + four[2], two1 = four[1] + four[3];
    return two0 + two1;
}

// e^x for 16 lanes: Cephes' expf (x = k ln2 + r, a degree-6 polynomial in r, times 2^k), with
// the operations of `VectorMath.exp`.
ALWAYS_INLINE void exp16(const float *input, float *out) {
    for (int i = 0; i < LANES; i++) {
        float x = input[i];
        x = x < -87.3f ? -87.3f : x;
        x = x > 88.3f ? 88.3f : x;
        const float magic = 12582912.0f;  // 1.5 * 2^23: its low mantissa bits hold k
        float shifted = x * 1.44269504088896341f + magic;
        float k = shifted - magic;
        float r = x - k * 0.693359375f + k * 2.12194440e-4f;
        float p = 1.9875691500e-4f;
        p = p * r + 1.3981999507e-3f;
        p = p * r + 8.3334519073e-3f;
        p = p * r + 4.1665795894e-2f;
        p = p * r + 1.6666665459e-1f;
        p = p * r + 5.0000001201e-1f;
        float y = p * r * r + r + 1;
        uint32_t bits;
        memcpy(&bits, &shifted, sizeof bits);
        uint32_t power = (bits - 0x4B400000u + 127u) << 23;
        float two_to_k;
        memcpy(&two_to_k, &power, sizeof two_to_k);
        out[i] = y * two_to_k;
    }
}

ALWAYS_INLINE float exp_shifted_body(float *row, long n, float shift) {
    float acc[LANES] = {0}, x[LANES], e[LANES];
    long i = 0;
    for (; i + LANES <= n; i += LANES) {
        for (int l = 0; l < LANES; l++) x[l] = row[i + l] - shift;
        exp16(x, e);
        for (int l = 0; l < LANES; l++) { row[i + l] = e[l]; acc[l] = acc[l] + e[l]; }
    }
    if (i < n) {
        long count = n - i;
        for (int l = 0; l < LANES; l++) x[l] = (l < count ? row[i + l] : -__builtin_inff()) - shift;
        exp16(x, e);
        for (int l = 0; l < LANES; l++) {
            if (l < count) row[i + l] = e[l];
            acc[l] = acc[l] + (l < count ? e[l] : 0.0f);
        }
    }
    return lane_sum(acc);
}

// Σ p[i] in 16 lanes, then the tail one by one (as `VectorMath.sum`).
ALWAYS_INLINE float sum_body(const float *p, long n) {
    float acc[LANES] = {0};
    long i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) acc[l] = acc[l] + p[i + l];
    float s = lane_sum(acc);
    for (; i < n; i++) s = s + p[i];
    return s;
}

// Σ a[i] b[i] (as `VectorMath.dot`).
ALWAYS_INLINE float dot_body(const float *a, const float *b, long n) {
    float acc[LANES] = {0};
    long i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) acc[l] = acc[l] + a[i + l] * b[i + l];
    float s = lane_sum(acc);
    for (; i < n; i++) s = s + a[i] * b[i];
    return s;
}

// Σ (p[i] - c)^2, in 16 lanes, then the tail one by one (LayerNorm's variance).
ALWAYS_INLINE float centered_squares_body(const float *p, long n, float c) {
    float acc[LANES] = {0};
    long i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) { float d = p[i + l] - c; acc[l] = acc[l] + d * d; }
    float s = lane_sum(acc);
    for (; i < n; i++) { float d = p[i] - c; s = s + d * d; }
    return s;
}

ALWAYS_INLINE void layer_norm_statistics_body(const float *x, long rows, long d, float eps, float *mean, float *scale) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * d;
        float mu = sum_body(row, d) / (float)d;
        float squares = centered_squares_body(row, d, mu);
        mean[r] = mu;
        scale[r] = __builtin_sqrtf(squares / (float)d + eps);
    }
}

// (x - mean) / scale as (x - mean) times the double reciprocal of scale, rounded once to float:
// a float division costs 3 times as much on AVX-512 and was most of LayerNorm's time. It is the
// correctly rounded float quotient: the double result is within 2^-52 (relative) of the exact
// one, while a quotient of two floats is either a float midpoint exactly or at least 2^-49 away
// from every one (its numerator and denominator have 24 bits), and a normal quotient never is a
// midpoint. Only a subnormal quotient that is exactly a tie could round the other way; the bits
// still depend on nothing but the inputs.
ALWAYS_INLINE float divided(float numerator, double reciprocal) {
    return (float)((double)numerator * reciprocal);
}

ALWAYS_INLINE void layer_norm_apply_body(const float *x, const float *w, const float *b, long rows, long d,
                                         const float *mean, const float *scale, float *normalized, float *out) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * d;
        float mu = mean[r];
        double reciprocal = 1.0 / (double)scale[r];
        float *xhat = normalized + r * d, *y = out + r * d;
        for (long j = 0; j < d; j++) {
            float v = divided(row[j] - mu, reciprocal);
            xhat[j] = v;
            y[j] = v * w[j] + b[j];
        }
    }
}

// Statistics and apply row by row, while the row is in L1: a shard's activations do not fit in
// L2, so the two passes read x from further away. The same operations as the two apart.
ALWAYS_INLINE void layer_norm_forward_body(const float *x, const float *w, const float *b, long rows, long d, float eps,
                                           float *mean, float *scale, float *normalized, float *out) {
    for (long r = 0; r < rows; r++) {
        layer_norm_statistics_body(x + r * d, 1, d, eps, mean + r, scale + r);
        layer_norm_apply_body(x + r * d, w, b, 1, d, mean + r, scale + r, normalized + r * d, out + r * d);
    }
}

ALWAYS_INLINE void layer_norm_backward_body(const float *d_out, const float *normalized, const float *scale,
                                            const float *w, long rows, long d, int accumulate,
                                            float *scratch, float *d_input) {
    for (long r = 0; r < rows; r++) {
        const float *g = d_out + r * d, *xhat = normalized + r * d;
        float *dx = d_input + r * d;
        float mean_g = dot_body(g, w, d) / (float)d;
        for (long j = 0; j < d; j++) scratch[j] = g[j] * w[j];
        float mean_gx = dot_body(scratch, xhat, d) / (float)d;
        float inverse = 1 / scale[r];
        if (accumulate) {
            for (long j = 0; j < d; j++) dx[j] = dx[j] + (g[j] * w[j] - mean_g - xhat[j] * mean_gx) * inverse;
        } else {
            for (long j = 0; j < d; j++) dx[j] = (g[j] * w[j] - mean_g - xhat[j] * mean_gx) * inverse;
        }
    }
}

// dw += Σ_rows g * xhat, db += Σ_rows g, row after row.
ALWAYS_INLINE void layer_norm_parameter_sums_body(const float *d_out, const float *normalized, long rows, long d,
                                                  float *dw, float *db) {
    for (long r = 0; r < rows; r++) {
        const float *g = d_out + r * d, *xhat = normalized + r * d;
        for (long j = 0; j < d; j++) { dw[j] = dw[j] + g[j] * xhat[j]; db[j] = db[j] + g[j]; }
    }
}

// out[j] = Σ_r x[r][j], each column's sum in row order: a bias's gradient. Rows are read whole
// (contiguous), in strips of 64 columns held in registers.
ALWAYS_INLINE void column_sum_body(const float *x, long rows, long width, float *out) {
    enum { STRIP = 64 };
    long j0 = 0;
    for (; j0 + STRIP <= width; j0 += STRIP) {
        float acc[STRIP] = {0};
        for (long r = 0; r < rows; r++)
            for (int j = 0; j < STRIP; j++) acc[j] = acc[j] + x[r * width + j0 + j];
        for (int j = 0; j < STRIP; j++) out[j0 + j] = acc[j];
    }
    for (long j = j0; j < width; j++) {
        float acc = 0;
        for (long r = 0; r < rows; r++) acc = acc + x[r * width + j];
        out[j] = acc;
    }
}

// Each function three times, and a switch on the selected path.
#if defined(__x86_64__) || defined(__i386__)
#define RD_PATHS(RET, NAME, PARAMS, ARGS)                                                           \
    static RET NAME##_portable PARAMS { return NAME##_body ARGS; }                                  \
    __attribute__((target("avx2,fma"))) static RET NAME##_avx2 PARAMS { return NAME##_body ARGS; }  \
    __attribute__((target("avx512f,avx2,fma"))) static RET NAME##_avx512 PARAMS { return NAME##_body ARGS; } \
    RET rd_##NAME PARAMS {                                                                          \
        switch (rd_kernel_path_selected()) {                                                        \
        case RD_KERNEL_PATH_AVX512: return NAME##_avx512 ARGS;                                      \
        case RD_KERNEL_PATH_AVX2: return NAME##_avx2 ARGS;                                          \
        default: return NAME##_portable ARGS;                                                       \
        }                                                                                           \
    }
#else
#define RD_PATHS(RET, NAME, PARAMS, ARGS) RET rd_##NAME PARAMS { return NAME##_body ARGS; }
#endif

RD_PATHS(float, exp_shifted, (float *row, long n, float shift), (row, n, shift))
RD_PATHS(void, layer_norm_statistics, (const float *x, long rows, long d, float eps, float *mean, float *scale),
         (x, rows, d, eps, mean, scale))
RD_PATHS(void, layer_norm_apply, (const float *x, const float *w, const float *b, long rows, long d,
                                  const float *mean, const float *scale, float *normalized, float *out),
         (x, w, b, rows, d, mean, scale, normalized, out))
RD_PATHS(void, layer_norm_forward, (const float *x, const float *w, const float *b, long rows, long d, float eps,
                                    float *mean, float *scale, float *normalized, float *out),
         (x, w, b, rows, d, eps, mean, scale, normalized, out))
RD_PATHS(void, layer_norm_backward, (const float *d_out, const float *normalized, const float *scale, const float *w,
                                     long rows, long d, int accumulate, float *scratch, float *d_input),
         (d_out, normalized, scale, w, rows, d, accumulate, scratch, d_input))
RD_PATHS(void, layer_norm_parameter_sums, (const float *d_out, const float *normalized, long rows, long d,
                                           float *dw, float *db),
         (d_out, normalized, rows, d, dw, db))
RD_PATHS(void, column_sum, (const float *x, long rows, long width, float *out), (x, rows, width, out))
