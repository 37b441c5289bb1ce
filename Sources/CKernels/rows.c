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

// The 16 lanes as one vector (one zmm on AVX-512, two ymm on AVX2, four xmm on SSE2), so that
// accumulators stay in registers: written as arrays, the compiler kept them in xmm halves and
// memory. Each operation is the same per-lane IEEE operation either way.
typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));

ALWAYS_INLINE v16 load16(const float *p) { v16 v; memcpy(&v, p, sizeof v); return v; }
ALWAYS_INLINE void store16(float *p, v16 v) { memcpy(p, &v, sizeof v); }
// The first min(count, 16) floats at p, the other lanes 0; nothing past them is read or written.
ALWAYS_INLINE v16 load_upto16(const float *p, long count) {
    if (count >= LANES) return load16(p);
    v16 v = {0};
    memcpy(&v, p, (size_t)count * sizeof(float));
    return v;
}
ALWAYS_INLINE void store_upto16(float *p, v16 v, long count) { memcpy(p, &v, (size_t)(count < LANES ? count : LANES) * sizeof(float)); }
ALWAYS_INLINE v16 splat16(float x) { return (v16){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }

// The 16 lanes as a fixed tree: halves, quarters, eighths, then the last two.
ALWAYS_INLINE float lane_sum_vector(v16 v) {
    v8 eight = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    v4 four = __builtin_shufflevector(eight, eight, 0, 1, 2, 3) + __builtin_shufflevector(eight, eight, 4, 5, 6, 7);
    float two0 = four[0] + four[2], two1 = four[1] + four[3];
    return two0 + two1;
}

ALWAYS_INLINE float lane_sum(const float *v) { return lane_sum_vector(load16(v)); }

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
    v16 acc = {0};
    long i = 0;
    for (; i + LANES <= n; i += LANES) acc = acc + load16(p + i);
    float s = lane_sum_vector(acc);
    for (; i < n; i++) s = s + p[i];
    return s;
}

// Σ a[i] b[i] (as `VectorMath.dot`).
ALWAYS_INLINE float dot_body(const float *a, const float *b, long n) {
    v16 acc = {0};
    long i = 0;
    for (; i + LANES <= n; i += LANES) acc = acc + load16(a + i) * load16(b + i);
    float s = lane_sum_vector(acc);
    for (; i < n; i++) s = s + a[i] * b[i];
    return s;
}

// Σ (p[i] - c)^2, in 16 lanes, then the tail one by one (LayerNorm's variance).
ALWAYS_INLINE float centered_squares_body(const float *p, long n, float c) {
    v16 acc = {0}, center = splat16(c);
    long i = 0;
    for (; i + LANES <= n; i += LANES) { v16 d = load16(p + i) - center; acc = acc + d * d; }
    float s = lane_sum_vector(acc);
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

// Per row: Σ g w and Σ (g w) xhat (as two `dot`s, in one pass), then
// dx (+)= (g w - mean(g w) - xhat mean(g w xhat)) / scale, with 1 / scale taken once per row.
ALWAYS_INLINE void layer_norm_backward_body(const float *d_out, const float *normalized, const float *scale,
                                            const float *w, long rows, long d, int accumulate,
                                            float *scratch, float *d_input) {
    for (long r = 0; r < rows; r++) {
        const float *g = d_out + r * d, *xhat = normalized + r * d;
        float *dx = d_input + r * d;
        v16 acc_g = {0}, acc_gx = {0};
        long j = 0;
        for (; j + LANES <= d; j += LANES) {
            v16 gw = load16(g + j) * load16(w + j);
            store16(scratch + j, gw);
            acc_g = acc_g + gw;
            acc_gx = acc_gx + gw * load16(xhat + j);
        }
        float sum_g = lane_sum_vector(acc_g), sum_gx = lane_sum_vector(acc_gx);
        for (; j < d; j++) {
            float gw = g[j] * w[j];
            scratch[j] = gw;
            sum_g = sum_g + gw;
            sum_gx = sum_gx + gw * xhat[j];
        }
        float mean_g = sum_g / (float)d, mean_gx = sum_gx / (float)d;
        float inverse = 1 / scale[r];
        v16 mg = splat16(mean_g), mgx = splat16(mean_gx), inv = splat16(inverse);
        for (j = 0; j + LANES <= d; j += LANES) {
            v16 term = (load16(scratch + j) - mg - load16(xhat + j) * mgx) * inv;
            store16(dx + j, accumulate ? load16(dx + j) + term : term);
        }
        for (; j < d; j++) {
            float term = (scratch[j] - mean_g - xhat[j] * mean_gx) * inverse;
            dx[j] = accumulate ? dx[j] + term : term;
        }
    }
}

// db[j] += Σ_rows g[r][j] and, when xhat is given, dw[j] += Σ_rows g[r][j] xhat[r][j]: each
// column one chain of additions in row order, starting from what dw and db hold. Rows are read
// whole, in strips of up to 64 columns whose sums stay in registers through all rows (summed in
// memory, each row waited for the last row's store).
ALWAYS_INLINE void column_sums_strip(const float *g, const float *xhat, long rows, long width, long j0, long count,
                                     float *dw, float *db) {
    enum { STRIP = 4 };
    long vectors = (count + LANES - 1) / LANES;
    v16 w[STRIP] = {{0}}, b[STRIP] = {{0}};
    for (long v = 0; v < vectors; v++) {
        long at = j0 + v * LANES, lanes = count - v * LANES;
        b[v] = load_upto16(db + at, lanes);
        if (xhat) w[v] = load_upto16(dw + at, lanes);
    }
    for (long r = 0; r < rows; r++) {
        for (long v = 0; v < vectors; v++) {
            long at = r * width + j0 + v * LANES, lanes = count - v * LANES;
            v16 gv = load_upto16(g + at, lanes);
            if (xhat) w[v] = w[v] + gv * load_upto16(xhat + at, lanes);
            b[v] = b[v] + gv;
        }
    }
    for (long v = 0; v < vectors; v++) {
        long at = j0 + v * LANES, lanes = count - v * LANES;
        store_upto16(db + at, b[v], lanes);
        if (xhat) store_upto16(dw + at, w[v], lanes);
    }
}

ALWAYS_INLINE void column_sums_body(const float *g, const float *xhat, long rows, long width, float *dw, float *db) {
    long j0 = 0;
    // Whole strips with constant trip counts, so the sums stay in registers; then 16 columns at a
    // time, the last few as a partial vector.
    for (; j0 + 4 * LANES <= width; j0 += 4 * LANES) column_sums_strip(g, xhat, rows, width, j0, 4 * LANES, dw, db);
    for (; j0 < width; j0 += LANES) column_sums_strip(g, xhat, rows, width, j0, width - j0 < LANES ? width - j0 : LANES, dw, db);
}

// LayerNorm's parameter gradients: dw += Σ_rows g * xhat, db += Σ_rows g.
ALWAYS_INLINE void layer_norm_parameter_sums_body(const float *d_out, const float *normalized, long rows, long d,
                                                  float *dw, float *db) {
    column_sums_body(d_out, normalized, rows, d, dw, db);
}

// out[j] = Σ_r x[r][j], each column's sum in row order from 0: a bias's gradient.
ALWAYS_INLINE void column_sum_body(const float *x, long rows, long width, float *out) {
    memset(out, 0, (size_t)width * sizeof(float));
    column_sums_body(x, NULL, rows, width, NULL, out);
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
