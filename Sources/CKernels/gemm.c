// Matrix products whose bits depend only on their inputs.
//
// Every output element is one chain of fused multiply-adds over k, in order, starting from 0:
// IEEE 754 makes each fma correctly rounded, so the chain gives the same float on any CPU. The
// three paths (portable C, AVX2, AVX-512) differ only in how many outputs they compute side by
// side; none splits k, reassociates a sum or fuses anything else (contraction is off below).
//
// The driver blocks as GotoBLAS and BLIS do: k in blocks of KC, A in blocks of MC rows taken
// MR rows at a time (packed as [kc][MR] micro-panels when many column panels reuse them; the
// missing rows of a ragged last one repeat the last row and are never stored), B packed as
// NR-column panels ([kc][NR], zero past the last column) unless few rows reuse it. When k spans
// several blocks, the running sums are stored in C between blocks as floats, so each output is
// still one unbroken chain; that needs beta == 0 (C free to hold them), and with beta != 0
// the whole k is one block.

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
    const float *bias;                    // added to every row at the end, or NULL
    rd_finish finish;                     // what the end of each chain does last
    const float *mask; long ldm;          // RD_FINISH_ZERO_WHERE_NONPOSITIVE's matrix, m x n
    float *c; long ldc;
    rd_structure structure;               // which outputs are wanted, which terms may be skipped
    int vector_transpose;                 // pack with AVX 8 x 8 transposes
} operands;

// How a micro-kernel call starts and ends its chains: from 0 or from the running sums stored
// in C, and with the final alpha/beta step or by storing the running sums.
enum { CHAIN_STARTS = 1, CHAIN_ENDS = 2 };

// One micro-kernel call: an MR x NR tile of C from A's rows (element (r, p) at
// ap[r * ars + p * aps]: a packed micro-panel, or A itself) and NR columns of B (row p at
// bp + p * bps: a packed panel, or B itself). Only the first mr rows and nr columns of C are
// read or written; A must have all MR rows and B all NR columns readable.
typedef void (*micro_kernel)(long k, const float *ap, long ars, long aps, const float *bp, long bps,
                             float *c, long ldc, float alpha, float beta, const float *bias,
                             rd_finish finish, const float *mask, long ldm, int mr, int nr, int chain);

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

// The finish of one output: +0 where ReLU (or its gradient's mask) says so, else v unchanged.
// Both keep NaN (NaN < 0 and NaN <= 0 are false) and ReLU keeps -0, as the unfused loops did.
static inline float finished(float v, rd_finish finish, float mask) {
    switch (finish) {
    case RD_FINISH_RELU: return v < 0 ? 0 : v;
    case RD_FINISH_ZERO_WHERE_NONPOSITIVE: return mask <= 0 ? 0 : v;
    default: return v;
    }
}

// Loads the running sums of a ragged tile from C (zeros elsewhere).
static void load_tile(float *acc, int tile_mr, int tile_nr, const float *c, long ldc, int mr, int nr) {
    for (int r = 0; r < tile_mr; r++)
        for (int j = 0; j < tile_nr; j++) acc[r * tile_nr + j] = r < mr && j < nr ? c[r * ldc + j] : 0;
}

// Stores a ragged tile of the portable kernel: the running sums as they are, or at the chain's
// end alpha * acc, plus beta * C when beta is not 0, plus the bias, then the finish. The same
// rounded operations as the vector kernels' stores.
static void store_tile(const float *acc, int tile_nr, float *c, long ldc, float alpha, float beta,
                       const float *bias, rd_finish finish, const float *mask, long ldm, int mr, int nr, int chain) {
    for (int r = 0; r < mr; r++) {
        for (int j = 0; j < nr; j++) {
            float v = acc[r * tile_nr + j];
            if (chain & CHAIN_ENDS) {
                v = alpha * v;
                if (beta != 0) v = v + beta * c[r * ldc + j];
                if (bias) v = v + bias[j];
                v = finished(v, finish, mask ? mask[r * ldm + j] : 0);
            }
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

static void kernel_portable(long k, const float *ap, long ars, long aps, const float *bp, long bps,
                            float *c, long ldc, float alpha, float beta, const float *bias,
                            rd_finish finish, const float *mask, long ldm, int mr, int nr, int chain) {
    float acc[PORTABLE_MR * PORTABLE_NR] = {0};
    if (!(chain & CHAIN_STARTS)) load_tile(acc, PORTABLE_MR, PORTABLE_NR, c, ldc, mr, nr);
    for (long p = 0; p < k; p++) {
        const float *brow = bp + p * bps, *acol = ap + p * aps;
        for (int r = 0; r < PORTABLE_MR; r++) {
            float ar = acol[r * ars];
            for (int j = 0; j < PORTABLE_NR; j++)
                acc[r * PORTABLE_NR + j] = fma_by_round_to_odd(ar, brow[j], acc[r * PORTABLE_NR + j]);
        }
    }
    store_tile(acc, PORTABLE_NR, c, ldc, alpha, beta, bias, finish, mask, ldm, mr, nr, chain);
}

#if RD_X86
// Partial vectors for ragged tiles: the first `count` lanes, the rest neither read nor
// written (masked loads do not fault past the row).
__attribute__((target("avx2,fma")))
static inline __m256i lanes_below_avx2(int count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
#define LOAD_PART_AVX2(p, count) _mm256_maskload_ps((p), lanes_below_avx2(count))
#define STORE_PART_AVX2(p, v, count) _mm256_maskstore_ps((p), lanes_below_avx2(count), (v))
#define LOAD_PART_AVX512(p, count) _mm512_maskz_loadu_ps((__mmask16)((1u << (count)) - 1), (p))
#define STORE_PART_AVX512(p, v, count) _mm512_mask_storeu_ps((p), (__mmask16)((1u << (count)) - 1), (v))

// A vector micro-kernel of MR rows by NR = 2 vectors of W lanes, written once for both widths.
// acc[r][h] holds columns h*W..h*W+W-1 of row r. A ragged tile computes all MR rows and NR
// columns but reads and writes only the first mr rows and nr columns of C, with the same
// operations as a full one.
#define RD_VECTOR_KERNEL(NAME, TARGET, MR_, W, VEC, ZERO, LOADU, STOREU, LOAD_PART, STORE_PART,    \
                         SET1, FMADD, MUL, ADD, KEEP_WHERE_NOT_LESS, KEEP_WHERE_NOT_AT_MOST)       \
    __attribute__((target(TARGET)))                                                                \
    static void NAME(long k, const float *ap, long ars, long aps, const float *bp, long bps,       \
                     float *c, long ldc, float alpha, float beta, const float *bias,               \
                     rd_finish finish, const float *mask, long ldm, int mr, int nr, int chain) {   \
        enum { MR = MR_, NR = 2 * W };                                                             \
        int full = mr == MR && nr == NR;                                                           \
        int lanes[2] = { nr < W ? nr : W, nr > W ? nr - W : 0 };                                   \
        VEC acc[MR][2];                                                                            \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                                                             \
            _Pragma("clang loop unroll(full)") for (int h = 0; h < 2; h++) {                                                          \
                float *ch = c + r * ldc + W * h;                                                   \
                acc[r][h] = chain & CHAIN_STARTS || r >= mr ? ZERO()                               \
                          : full ? LOADU(ch) : LOAD_PART(ch, lanes[h]);                            \
            }                                                                                      \
        }                                                                                          \
        if (ars == 1 && aps == MR) {                                                               \
            /* A packed: constant offsets, so each broadcast is one load and no address sums. */  \
            const float *acol = ap, *brow = bp;                                                    \
            for (long p = 0; p < k; p++, acol += MR, brow += bps) {                                \
                VEC b0 = LOADU(brow), b1 = LOADU(brow + W);                                        \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                                                     \
                    VEC ar = SET1(acol[r]);                                                        \
                    acc[r][0] = FMADD(ar, b0, acc[r][0]);                                          \
                    acc[r][1] = FMADD(ar, b1, acc[r][1]);                                          \
                }                                                                                  \
            }                                                                                      \
        } else {                                                                                   \
            for (long p = 0; p < k; p++) {                                                         \
                VEC b0 = LOADU(bp + p * bps), b1 = LOADU(bp + p * bps + W);                        \
                const float *acol = ap + p * aps;                                                  \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                                                     \
                    VEC ar = SET1(acol[r * ars]);                                                  \
                    acc[r][0] = FMADD(ar, b0, acc[r][0]);                                          \
                    acc[r][1] = FMADD(ar, b1, acc[r][1]);                                          \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        VEC va = SET1(alpha), vb = SET1(beta);                                                     \
        /* Loops over the constants MR and 2, so that acc stays in registers. */                  \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < MR; r++) {                                                             \
            _Pragma("clang loop unroll(full)") for (int h = 0; h < 2; h++) {                                                          \
                if (r >= mr || lanes[h] == 0) continue;                                            \
                float *ch = c + r * ldc + W * h;                                                   \
                VEC v = acc[r][h];                                                                 \
                if (chain & CHAIN_ENDS) {                                                          \
                    v = MUL(va, v);                                                                \
                    if (beta != 0) v = ADD(v, MUL(vb, full ? LOADU(ch) : LOAD_PART(ch, lanes[h]))); \
                    if (bias) v = ADD(v, full ? LOADU(bias + W * h) : LOAD_PART(bias + W * h, lanes[h])); \
                    if (finish == RD_FINISH_RELU) v = KEEP_WHERE_NOT_LESS(v, v);                   \
                    if (finish == RD_FINISH_ZERO_WHERE_NONPOSITIVE) {                              \
                        const float *mh = mask + r * ldm + W * h;                                  \
                        v = KEEP_WHERE_NOT_AT_MOST(v, full ? LOADU(mh) : LOAD_PART(mh, lanes[h])); \
                    }                                                                              \
                }                                                                                  \
                if (full) STOREU(ch, v); else STORE_PART(ch, v, lanes[h]);                         \
            }                                                                                      \
        }                                                                                          \
    }

enum { AVX2_MR = 6, AVX2_NR = 16, AVX512_MR = 8, AVX512_NR = 32 };

// v where x is not below 0 (or not at most 0), else +0: NaN compares unordered, so it is kept.
#define KEEP_WHERE_NOT_LESS_AVX2(v, x) _mm256_and_ps(_mm256_cmp_ps((x), _mm256_setzero_ps(), _CMP_NLT_UQ), (v))
#define KEEP_WHERE_NOT_AT_MOST_AVX2(v, x) _mm256_and_ps(_mm256_cmp_ps((x), _mm256_setzero_ps(), _CMP_NLE_UQ), (v))
#define KEEP_WHERE_NOT_LESS_AVX512(v, x) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((x), _mm512_setzero_ps(), _CMP_NLT_UQ), (v))
#define KEEP_WHERE_NOT_AT_MOST_AVX512(v, x) _mm512_maskz_mov_ps(_mm512_cmp_ps_mask((x), _mm512_setzero_ps(), _CMP_NLE_UQ), (v))

RD_VECTOR_KERNEL(kernel_avx2, "avx2,fma", 6, 8, __m256, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_storeu_ps,
                 LOAD_PART_AVX2, STORE_PART_AVX2, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_mul_ps, _mm256_add_ps,
                 KEEP_WHERE_NOT_LESS_AVX2, KEEP_WHERE_NOT_AT_MOST_AVX2)
RD_VECTOR_KERNEL(kernel_avx512, "avx512f,avx2,fma", 8, 16, __m512, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_storeu_ps,
                 LOAD_PART_AVX512, STORE_PART_AVX512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_mul_ps, _mm512_add_ps,
                 KEEP_WHERE_NOT_LESS_AVX512, KEEP_WHERE_NOT_AT_MOST_AVX512)
#endif

// ---------------------------------------------------------------------------------------------
// Driver

// Blocking: k in blocks of KC; A in blocks of MC rows (a multiple of MR).
enum { KC = 256, MC_PANELS = 16 };

#if RD_X86
// A panel of pack_b's transposed B (or of pack_a's row-major A) in 8 x 8 blocks transposed in
// AVX registers: panel[p][j] = src[j * step + p] for j < nr, 0 for nr <= j < nr_max. Only
// copies, so the bits are unchanged.
__attribute__((target("avx2")))
static void transpose_panel_avx2(const float *src, long step, long kc, long nr, int nr_max, float *panel) {
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
        long j = 0;
        for (; j + 8 <= nr; j += 8) {
            __m256 r0 = _mm256_loadu_ps(src + (j + 0) * step + p), r1 = _mm256_loadu_ps(src + (j + 1) * step + p);
            __m256 r2 = _mm256_loadu_ps(src + (j + 2) * step + p), r3 = _mm256_loadu_ps(src + (j + 3) * step + p);
            __m256 r4 = _mm256_loadu_ps(src + (j + 4) * step + p), r5 = _mm256_loadu_ps(src + (j + 5) * step + p);
            __m256 r6 = _mm256_loadu_ps(src + (j + 6) * step + p), r7 = _mm256_loadu_ps(src + (j + 7) * step + p);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float *d = panel + p * nr_max + j;
            _mm256_storeu_ps(d + 0 * nr_max, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(d + 1 * nr_max, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(d + 2 * nr_max, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(d + 3 * nr_max, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(d + 4 * nr_max, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(d + 5 * nr_max, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(d + 6 * nr_max, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(d + 7 * nr_max, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        for (long q = p; q < p + 8; q++)
            for (long jj = j; jj < nr_max; jj++) panel[q * nr_max + jj] = jj < nr ? src[jj * step + q] : 0;
    }
    for (; p < kc; p++)
        for (long j = 0; j < nr_max; j++) panel[p * nr_max + j] = j < nr ? src[j * step + p] : 0;
}
#endif

// Packs the micro-panel of rows first..first+MR-1 (clamped to the last row of A), k range
// p0..p0+kc-1, as [kc][MR], reading A in memory order.
static void pack_a(const operands *g, long first, long p0, long kc, int mr_max, float *panel) {
    if (g->a_row == 1 && first + mr_max <= g->m) {
        // A transposed: the panel's rows are contiguous at each p.
        for (long p = 0; p < kc; p++) {
            const float *src = g->a + (p0 + p) * g->a_step + first;
            for (int r = 0; r < mr_max; r++) panel[p * mr_max + r] = src[r];
        }
        return;
    }
#if RD_X86
    if (g->vector_transpose && g->a_step == 1 && mr_max == 8 && first + mr_max <= g->m) {
        // Eight whole rows of a row-major A: the same 8 x 8 transposes as a transposed B.
        transpose_panel_avx2(g->a + first * g->a_row + p0, g->a_row, kc, 8, 8, panel);
        return;
    }
#endif
    for (int r = 0; r < mr_max; r++) {
        long i = first + r < g->m ? first + r : g->m - 1;
        const float *row = g->a + i * g->a_row + p0 * g->a_step;
        for (long p = 0; p < kc; p++) panel[p * mr_max + r] = row[p * g->a_step];
    }
}

// Packs columns from..to-1 (from a multiple of NR) of the k range p0..p0+kc-1 of B as NR-column
// panels, each [kc][NR], zero past the last column. Each loop reads its source in memory order.
static void pack_b(const operands *g, long p0, long kc, int nr_max, long from, long to, float *out) {
    for (long j0 = from; j0 < to; j0 += nr_max) {
        float *panel = out + (j0 - from) * kc;
        long nr = to - j0 < nr_max ? to - j0 : nr_max;
        if (g->b_step == 1) {
            for (long p = 0; p < kc; p++) {
                const float *src = g->b + (p0 + p) * g->b_row + j0;
                float *dst = panel + p * nr_max;
                for (long j = 0; j < nr; j++) dst[j] = src[j];
                for (long j = nr; j < nr_max; j++) dst[j] = 0;
            }
        } else {
            // B transposed: column j of op(B) is a contiguous row of B.
#if RD_X86
            if (g->vector_transpose) {
                transpose_panel_avx2(g->b + j0 * g->b_step + p0, g->b_step, kc, nr, nr_max, panel);
                continue;
            }
#endif
            for (long j = 0; j < nr_max; j++) {
                if (j < nr) {
                    const float *src = g->b + (j0 + j) * g->b_step + p0;
                    for (long p = 0; p < kc; p++) panel[p * nr_max + j] = src[p];
                } else {
                    for (long p = 0; p < kc; p++) panel[p * nr_max + j] = 0;
                }
            }
        }
    }
}

// The k range [lo, hi) that a tile of rows row..row+mr-1 needs within the block [p0, p0 + kc):
// all of it, or, when op(A) is triangular, only where its rows can be non-zero.
static void tile_k_range(const operands *g, long row, int mr, long p0, long kc, long *lo, long *hi) {
    long from = g->structure == RD_STRUCTURE_A_UPPER ? row : 0;
    long to = g->structure == RD_STRUCTURE_A_LOWER ? row + mr : g->k;
    *lo = from > p0 ? from : p0;
    *hi = to < p0 + kc ? to : p0 + kc;
    if (*hi < *lo) *hi = *lo;
}

static int drive(const operands *g, int mr_max, int nr_max, micro_kernel kernel) {
    // Several k blocks keep running sums in C, which beta == 0 leaves free.
    long kc_max = g->beta == 0 && g->k > KC ? KC : (g->k > 0 ? g->k : 1);
    long mc_max = (long)mr_max * MC_PANELS;
    long n_padded = (g->n + nr_max - 1) / nr_max * nr_max;
    // B is read in place when its rows are contiguous and few row blocks reuse it; packing
    // pays when many do. Likewise a row-major A, which every column panel reads again: it is
    // packed a block of rows at a time when there are more than two panels, else read in place
    // (but for a ragged last micro-panel). A transposed A is read in place: at each k its
    // micro-panel's rows are already contiguous, as packing would lay them out.
    int b_direct = g->b_step == 1 && g->m <= mc_max;
    int a_packed = n_padded > 2 * nr_max && g->a_row != 1;
    float *bpack = grow(&scratch_b, &scratch_b_count, (size_t)(kc_max * (b_direct ? nr_max : n_padded)));
    float *apack = grow(&scratch_a, &scratch_a_count, (size_t)(kc_max * mc_max));
    if (!bpack || !apack) return 0;
    long p0 = 0;
    do {
        long kc = g->k - p0 < kc_max ? g->k - p0 : kc_max;
        int chain = (p0 == 0 ? CHAIN_STARTS : 0) | (p0 + kc >= g->k ? CHAIN_ENDS : 0);
        if (!b_direct) pack_b(g, p0, kc, nr_max, 0, g->n, bpack);
        else if (g->n % nr_max) pack_b(g, p0, kc, nr_max, g->n / nr_max * nr_max, g->n, bpack);
        for (long i0 = 0; i0 < g->m; i0 += mc_max) {
            long rows = g->m - i0 < mc_max ? g->m - i0 : mc_max;
            if (a_packed)
                for (long r0 = 0; r0 < rows; r0 += mr_max) pack_a(g, i0 + r0, p0, kc, mr_max, apack + r0 * kc);
            for (long j0 = 0; j0 < g->n; j0 += nr_max) {
                int nr = g->n - j0 < nr_max ? (int)(g->n - j0) : nr_max;
                const float *bias = g->bias ? g->bias + j0 : NULL;
                const float *mask = g->mask ? g->mask + j0 : NULL;
                const float *bp;
                long bps;
                if (!b_direct) { bp = bpack + j0 * kc; bps = nr_max; }
                else if (nr < nr_max) { bp = bpack; bps = nr_max; }
                else { bp = g->b + p0 * g->b_row + j0; bps = g->b_row; }
                for (long r0 = 0; r0 < rows; r0 += mr_max) {
                    int mr = rows - r0 < mr_max ? (int)(rows - r0) : mr_max;
                    long row = i0 + r0;
                    // Only outputs on or below the diagonal are wanted: skip tiles wholly above.
                    if (g->structure == RD_STRUCTURE_LOWER_OUTPUT && j0 > row + mr - 1) continue;
                    long lo, hi;
                    tile_k_range(g, row, mr, p0, kc, &lo, &hi);
                    float *c = g->c + row * g->ldc + j0;
                    const float *tile_mask = mask ? mask + row * g->ldm : NULL;
                    const float *bt = bp + (lo - p0) * bps;
                    if (a_packed) {
                        kernel(hi - lo, apack + r0 * kc + (lo - p0) * mr_max, 1, mr_max, bt, bps, c, g->ldc,
                               g->alpha, g->beta, bias, g->finish, tile_mask, g->ldm, mr, nr, chain);
                    } else if (mr == mr_max) {
                        const float *ap = g->a + row * g->a_row + lo * g->a_step;
                        kernel(hi - lo, ap, g->a_row, g->a_step, bt, bps, c, g->ldc, g->alpha, g->beta, bias,
                               g->finish, tile_mask, g->ldm, mr, nr, chain);
                    } else {
                        pack_a(g, row, p0, kc, mr_max, apack);
                        kernel(hi - lo, apack + (lo - p0) * mr_max, 1, mr_max, bt, bps, c, g->ldc,
                               g->alpha, g->beta, bias, g->finish, tile_mask, g->ldm, mr, nr, chain);
                    }
                }
            }
        }
        p0 += kc;
    } while (p0 < g->k);
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
            if (g->bias) v = v + g->bias[j];
            g->c[i * g->ldc + j] = finished(v, g->finish, g->mask ? g->mask[i * g->ldm + j] : 0);
        }
    }
}

void rd_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha,
              const float *a, long lda, const float *b, long ldb, float beta, const float *bias,
              float *c, long ldc) {
    rd_sgemm_structured(RD_STRUCTURE_FULL, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, bias, c, ldc);
}

void rd_sgemm_structured(rd_structure structure, int transpose_a, int transpose_b, long m, long n, long k,
                         float alpha, const float *a, long lda, const float *b, long ldb, float beta,
                         const float *bias, float *c, long ldc) {
    rd_sgemm_finished(structure, transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, bias,
                      RD_FINISH_NONE, NULL, 0, c, ldc);
}

void rd_sgemm_finished(rd_structure structure, int transpose_a, int transpose_b, long m, long n, long k,
                       float alpha, const float *a, long lda, const float *b, long ldb, float beta,
                       const float *bias, rd_finish finish, const float *mask, long ldm, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    operands g = {
        .structure = structure, .finish = finish, .mask = finish == RD_FINISH_ZERO_WHERE_NONPOSITIVE ? mask : NULL,
        .ldm = ldm,
        .a = a, .a_row = transpose_a ? 1 : lda, .a_step = transpose_a ? lda : 1,
        .b = b, .b_row = transpose_b ? 1 : ldb, .b_step = transpose_b ? ldb : 1,
        .m = m, .n = n, .k = k < 0 ? 0 : k, .alpha = alpha, .beta = beta, .bias = bias, .c = c, .ldc = ldc,
    };
    int done = 0;
    switch (rd_kernel_path_selected()) {
#if RD_X86
    case RD_KERNEL_PATH_AVX512: g.vector_transpose = 1; done = drive(&g, AVX512_MR, AVX512_NR, kernel_avx512); break;
    case RD_KERNEL_PATH_AVX2: g.vector_transpose = 1; done = drive(&g, AVX2_MR, AVX2_NR, kernel_avx2); break;
#endif
    default: done = drive(&g, PORTABLE_MR, PORTABLE_NR, kernel_portable); break;
    }
    if (!done) drive_unpacked(&g);  // computes every output and term: the same bits
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
