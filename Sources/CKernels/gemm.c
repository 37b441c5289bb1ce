// Matrix products whose bits depend only on their inputs.
//
// Every output element is one chain of fused multiply-adds over k, in order, starting from 0:
// IEEE 754 makes each fma correctly rounded, so the chain gives the same float on any CPU. The
// three paths (portable C, AVX2, AVX-512) differ only in how many outputs they compute side by
// side; none splits k, reassociates a sum or fuses anything else (contraction is off below).
//
// The driver packs A a block of MR rows at a time into [k][MR] (rows past the end repeat the
// last row; their results are never stored) and reads B in panels of NR columns, straight from
// memory when they are contiguous, else packed into [k][NR] with zero padding.

#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RD_X86 1
#endif

#pragma STDC FP_CONTRACT OFF
#if defined(__clang__)
#pragma clang fp contract(off)
#endif

// ---------------------------------------------------------------------------------------------
// Path selection

static int cpu_has(const char *feature) {
#if RD_X86
    __builtin_cpu_init();
    if (feature[0] == 'a' && feature[3] == '5') return __builtin_cpu_supports("avx512f");
    if (feature[0] == 'a') return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return __builtin_cpu_supports("fma");
#else
    (void)feature;
    return 0;
#endif
}

int rd_kernel_path_supported(rd_kernel_path path) {
    switch (path) {
    case RD_KERNEL_PATH_PORTABLE: return 1;
    case RD_KERNEL_PATH_AVX2: return cpu_has("avx2");
    case RD_KERNEL_PATH_AVX512: return cpu_has("avx512f") && cpu_has("avx2");
    }
    return 0;
}

int rd_has_hardware_fma(void) {
#if RD_X86
    return cpu_has("fma");
#else
    return 1;  // arm64 and other 64-bit targets have a fused multiply-add instruction
#endif
}

static int selected_path = -1;

void rd_kernel_path_select(rd_kernel_path path) { selected_path = (int)path; }

rd_kernel_path rd_kernel_path_selected(void) {
    if (selected_path < 0) {
        selected_path = rd_kernel_path_supported(RD_KERNEL_PATH_AVX512) ? RD_KERNEL_PATH_AVX512
                      : rd_kernel_path_supported(RD_KERNEL_PATH_AVX2) ? RD_KERNEL_PATH_AVX2
                      : RD_KERNEL_PATH_PORTABLE;
    }
    return (rd_kernel_path)selected_path;
}

// ---------------------------------------------------------------------------------------------
// Operands and scratch

typedef struct {
    const float *a; long a_row, a_step;   // A(i, p) = a[i * a_row + p * a_step]
    const float *b; long b_row, b_step;   // B(p, j) = b[p * b_row + j * b_step]
    long m, n, k;
    float alpha, beta;
    float *c; long ldc;
} operands;

// One micro-kernel call: an MR x NR tile of C from `ap` ([k][MR]) and `bp` (row p at p * bstride).
// Only the first mr rows and nr columns are stored.
typedef void (*micro_kernel)(long k, const float *ap, const float *bp, long bstride,
                             float *c, long ldc, float alpha, float beta, int mr, int nr);

// Per-thread scratch that only grows; the hot path allocates nothing once warm.
static _Thread_local float *scratch_a, *scratch_b;
static _Thread_local size_t scratch_a_count, scratch_b_count;

static float *grow(float **buffer, size_t *count, size_t needed) {
    if (needed <= *count) return *buffer;
    free(*buffer);
    size_t bytes = (needed * sizeof(float) + 63) / 64 * 64;
    *buffer = aligned_alloc(64, bytes);
    *count = *buffer ? needed : 0;
    return *buffer;
}

// Stores the accumulators of a tile: alpha * acc, plus beta * C when beta is not 0. The same two
// rounded operations as the vector stores of the full tiles.
static void store_tile(const float *acc, int tile_nr, float *c, long ldc, float alpha, float beta,
                       int mr, int nr) {
    for (int r = 0; r < mr; r++) {
        for (int j = 0; j < nr; j++) {
            float v = alpha * acc[r * tile_nr + j];
            if (beta != 0) v = v + beta * c[r * ldc + j];
            c[r * ldc + j] = v;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels

enum { PORTABLE_MR = 4, PORTABLE_NR = 16 };

// fma(a, b, c) correctly rounded, from double operations alone, for CPUs without the
// instruction (x86-64 before Haswell): a calls into libm's fmaf there cost 60 times the
// vector paths. The double product a*b is exact (24 + 24 bits < 53). The sum is taken exactly
// as s + err (Knuth's TwoSum), rounded to odd at 53 bits, then rounded once to float: with 29
// bits to spare, that double rounding cannot go wrong (Boldo and Melquiond). All of it is
// plain IEEE arithmetic, which the compiler can vectorise.
static inline float fma_by_round_to_odd(float a, float b, float c) {
#if defined(__FMA__) || defined(__aarch64__) || defined(__ARM_FEATURE_FMA)
    return fmaf(a, b, c);
#else
    double p = (double)a * (double)b, cd = (double)c;
    double s = p + cd;
    double bb = s - p;
    double err = (p - (s - bb)) + (cd - bb);
    if (err == 0 || s != s || s - s != 0) return (float)s;
    uint64_t bits;
    memcpy(&bits, &s, sizeof bits);
    // Truncate toward zero: one step down in magnitude when s was rounded away from zero.
    if ((err > 0) != (s > 0)) bits -= 1;
    bits |= 1;
    memcpy(&s, &bits, sizeof bits);
    return (float)s;
#endif
}

static void kernel_portable(long k, const float *ap, const float *bp, long bstride,
                            float *c, long ldc, float alpha, float beta, int mr, int nr) {
    float acc[PORTABLE_MR * PORTABLE_NR] = {0};
    for (long p = 0; p < k; p++) {
        const float *brow = bp + p * bstride, *arow = ap + p * PORTABLE_MR;
        for (int r = 0; r < PORTABLE_MR; r++) {
            float ar = arow[r];
            for (int j = 0; j < PORTABLE_NR; j++)
                acc[r * PORTABLE_NR + j] = fma_by_round_to_odd(ar, brow[j], acc[r * PORTABLE_NR + j]);
        }
    }
    store_tile(acc, PORTABLE_NR, c, ldc, alpha, beta, mr, nr);
}

#if RD_X86
enum { AVX2_MR = 6, AVX2_NR = 16 };

__attribute__((target("avx2,fma")))
static void kernel_avx2(long k, const float *ap, const float *bp, long bstride,
                        float *c, long ldc, float alpha, float beta, int mr, int nr) {
    __m256 acc[AVX2_MR][2];
    for (int r = 0; r < AVX2_MR; r++) { acc[r][0] = _mm256_setzero_ps(); acc[r][1] = _mm256_setzero_ps(); }
    for (long p = 0; p < k; p++) {
        const float *brow = bp + p * bstride, *arow = ap + p * AVX2_MR;
        __m256 b0 = _mm256_loadu_ps(brow), b1 = _mm256_loadu_ps(brow + 8);
        for (int r = 0; r < AVX2_MR; r++) {
            __m256 ar = _mm256_broadcast_ss(arow + r);
            acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    if (mr == AVX2_MR && nr == AVX2_NR) {
        for (int r = 0; r < AVX2_MR; r++) {
            for (int h = 0; h < 2; h++) {
                __m256 v = _mm256_mul_ps(va, acc[r][h]);
                if (beta != 0) v = _mm256_add_ps(v, _mm256_mul_ps(vb, _mm256_loadu_ps(c + r * ldc + 8 * h)));
                _mm256_storeu_ps(c + r * ldc + 8 * h, v);
            }
        }
        return;
    }
    float tile[AVX2_MR * AVX2_NR];
    for (int r = 0; r < AVX2_MR; r++) { _mm256_storeu_ps(tile + r * AVX2_NR, acc[r][0]); _mm256_storeu_ps(tile + r * AVX2_NR + 8, acc[r][1]); }
    store_tile(tile, AVX2_NR, c, ldc, alpha, beta, mr, nr);
}

enum { AVX512_MR = 8, AVX512_NR = 32 };

__attribute__((target("avx512f,avx2,fma")))
static void kernel_avx512(long k, const float *ap, const float *bp, long bstride,
                          float *c, long ldc, float alpha, float beta, int mr, int nr) {
    __m512 acc[AVX512_MR][2];
    for (int r = 0; r < AVX512_MR; r++) { acc[r][0] = _mm512_setzero_ps(); acc[r][1] = _mm512_setzero_ps(); }
    for (long p = 0; p < k; p++) {
        const float *brow = bp + p * bstride, *arow = ap + p * AVX512_MR;
        __m512 b0 = _mm512_loadu_ps(brow), b1 = _mm512_loadu_ps(brow + 16);
        for (int r = 0; r < AVX512_MR; r++) {
            __m512 ar = _mm512_set1_ps(arow[r]);
            acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (mr == AVX512_MR && nr == AVX512_NR) {
        for (int r = 0; r < AVX512_MR; r++) {
            for (int h = 0; h < 2; h++) {
                __m512 v = _mm512_mul_ps(va, acc[r][h]);
                if (beta != 0) v = _mm512_add_ps(v, _mm512_mul_ps(vb, _mm512_loadu_ps(c + r * ldc + 16 * h)));
                _mm512_storeu_ps(c + r * ldc + 16 * h, v);
            }
        }
        return;
    }
    float tile[AVX512_MR * AVX512_NR];
    for (int r = 0; r < AVX512_MR; r++) { _mm512_storeu_ps(tile + r * AVX512_NR, acc[r][0]); _mm512_storeu_ps(tile + r * AVX512_NR + 16, acc[r][1]); }
    store_tile(tile, AVX512_NR, c, ldc, alpha, beta, mr, nr);
}
#endif

// ---------------------------------------------------------------------------------------------
// Driver

// Packs rows i0..i0+MR-1 of A (clamped to the last row) as [k][MR].
static void pack_a(const operands *g, long i0, int mr_max, float *out) {
    const float *rows[16];
    for (int r = 0; r < mr_max; r++) {
        long i = i0 + r < g->m ? i0 + r : g->m - 1;
        rows[r] = g->a + i * g->a_row;
    }
    if (g->a_step == 1) {
        for (int r = 0; r < mr_max; r++) {
            const float *row = rows[r];
            for (long p = 0; p < g->k; p++) out[p * mr_max + r] = row[p];
        }
    } else {
        for (long p = 0; p < g->k; p++) {
            for (int r = 0; r < mr_max; r++) out[p * mr_max + r] = rows[r][p * g->a_step];
        }
    }
}

// Packs columns j0..j0+NR-1 of B as [k][NR], zero past the last column.
static void pack_b(const operands *g, long j0, int nr_max, float *out) {
    long nr = g->n - j0 < nr_max ? g->n - j0 : nr_max;
    for (long p = 0; p < g->k; p++) {
        float *row = out + p * nr_max;
        for (long j = 0; j < nr; j++) row[j] = g->b[p * g->b_row + (j0 + j) * g->b_step];
        for (long j = nr; j < nr_max; j++) row[j] = 0;
    }
}

static int drive(const operands *g, int mr_max, int nr_max, micro_kernel kernel) {
    long panels = (g->n + nr_max - 1) / nr_max;
    int direct = g->b_step == 1;
    // Packed B: every panel when B is transposed, else only a ragged last one.
    long packed_panels = direct ? (g->n % nr_max ? 1 : 0) : panels;
    float *bpack = grow(&scratch_b, &scratch_b_count, (size_t)(packed_panels * g->k * nr_max) + 1);
    float *apack = grow(&scratch_a, &scratch_a_count, (size_t)(g->k * mr_max) + 1);
    if (!bpack || !apack) return 0;
    if (direct) {
        if (packed_panels) pack_b(g, (panels - 1) * nr_max, nr_max, bpack);
    } else {
        for (long jp = 0; jp < panels; jp++) pack_b(g, jp * nr_max, nr_max, bpack + jp * g->k * nr_max);
    }
    for (long i0 = 0; i0 < g->m; i0 += mr_max) {
        int mr = g->m - i0 < mr_max ? (int)(g->m - i0) : mr_max;
        pack_a(g, i0, mr_max, apack);
        for (long jp = 0; jp < panels; jp++) {
            long j0 = jp * nr_max;
            int nr = g->n - j0 < nr_max ? (int)(g->n - j0) : nr_max;
            const float *bp;
            long bstride;
            if (direct && nr == nr_max) { bp = g->b + j0; bstride = g->b_row; }
            else if (direct) { bp = bpack; bstride = nr_max; }
            else { bp = bpack + jp * g->k * nr_max; bstride = nr_max; }
            kernel(g->k, apack, bp, bstride, g->c + i0 * g->ldc + j0, g->ldc, g->alpha, g->beta, mr, nr);
        }
    }
    return 1;
}

// Without scratch memory, the same chains one output at a time.
static void drive_unpacked(const operands *g) {
    for (long i = 0; i < g->m; i++) {
        for (long j = 0; j < g->n; j++) {
            float acc = 0;
            for (long p = 0; p < g->k; p++)
                acc = fma_by_round_to_odd(g->a[i * g->a_row + p * g->a_step], g->b[p * g->b_row + j * g->b_step], acc);
            float v = g->alpha * acc;
            if (g->beta != 0) v = v + g->beta * g->c[i * g->ldc + j];
            g->c[i * g->ldc + j] = v;
        }
    }
}

void rd_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    operands g = {
        .a = a, .a_row = transpose_a ? 1 : lda, .a_step = transpose_a ? lda : 1,
        .b = b, .b_row = transpose_b ? 1 : ldb, .b_step = transpose_b ? ldb : 1,
        .m = m, .n = n, .k = k < 0 ? 0 : k, .alpha = alpha, .beta = beta, .c = c, .ldc = ldc,
    };
    int done = 0;
    switch (rd_kernel_path_selected()) {
#if RD_X86
    case RD_KERNEL_PATH_AVX512: done = drive(&g, AVX512_MR, AVX512_NR, kernel_avx512); break;
    case RD_KERNEL_PATH_AVX2: done = drive(&g, AVX2_MR, AVX2_NR, kernel_avx2); break;
#endif
    default: done = drive(&g, PORTABLE_MR, PORTABLE_NR, kernel_portable); break;
    }
    if (!done) drive_unpacked(&g);
}

// ---------------------------------------------------------------------------------------------
// The FMA peak: 16 independent accumulator chains (enough to cover the fma latency on two
// pipes), each vector-wide, nothing else.

#if RD_X86
__attribute__((target("avx512f")))
static double peak_avx512(long iterations) {
    __m512 acc[16], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < iterations; it++)
        for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    float sink = 0;
    for (int i = 0; i < 16; i++) sink += _mm512_reduce_add_ps(acc[i]);
    volatile float keep = sink; (void)keep;
    return (double)iterations * 16 * 16 * 2;
}

__attribute__((target("avx2,fma")))
static double peak_avx2(long iterations) {
    __m256 acc[12], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < iterations; it++)
        for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    float lanes[8], sink = 0;
    for (int i = 0; i < 12; i++) { _mm256_storeu_ps(lanes, acc[i]); for (int j = 0; j < 8; j++) sink += lanes[j]; }
    volatile float keep = sink; (void)keep;
    return (double)iterations * 12 * 8 * 2;
}
#endif

double rd_fma_peak_flops(long iterations) {
    switch (rd_kernel_path_selected()) {
#if RD_X86
    case RD_KERNEL_PATH_AVX512: return peak_avx512(iterations);
    case RD_KERNEL_PATH_AVX2: return peak_avx2(iterations);
#endif
    default: {
        float acc[16], sink = 0;
        for (int i = 0; i < 16; i++) acc[i] = (float)i;
        for (long it = 0; it < iterations; it++)
            for (int i = 0; i < 16; i++) acc[i] = fma_by_round_to_odd(acc[i], 0.999999f, 1e-7f);
        for (int i = 0; i < 16; i++) sink += acc[i];
        volatile float keep = sink; (void)keep;
        return (double)iterations * 16 * 2;
    }
    }
}
