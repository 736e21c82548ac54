/* AVX2/FMA sufficient-statistics kernels. Same contracts as ref/mstep_ref.c.
 *
 * Per component and group of three rows: the rows are weighted (W = gamma * (X - s), one
 * store per value, just before use so they stay in L1), then their part of the upper
 * triangle of W^T (X - s) is built from 3 x 4 register tiles of dot products over the
 * block's points, centring the column side on the fly: 12 independent accumulators, 12 FMAs
 * per step. Lane partial sums are folded once per block. */
#include "gmm_mstep.h"
#include "vmath_avx2.h"

/* S2[i+r][j+c] += sum_v W[i+r] . (X[j+c] - s[j+c]) for r < R (<= 3), c < C (<= 4), written
 * only where j+c >= i+r. The shifts come splatted from memory (s4: 4 copies each) so the 12
 * accumulators, 3 rows and a column fit the 16 registers. */
GMM_AVX2_INLINE void s2_tile(const double *GMM_RESTRICT W, const double *GMM_RESTRICT X,
                             const double *GMM_RESTRICT s4, size_t ldx, size_t nvec, size_t d,
                             size_t i, size_t j, double *GMM_RESTRICT S2, const int R, const int C) {
    __m256d acc[3][4];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_pd();
    for (size_t v = 0; v < nvec; v++) {
        __m256d a[3];
        for (int r = 0; r < R; r++) a[r] = _mm256_loadu_pd(W + r * ldx + 4 * v);
        for (int c = 0; c < C; c++) {
            __m256d b = _mm256_sub_pd(_mm256_loadu_pd(X + (j + c) * ldx + 4 * v), _mm256_loadu_pd(s4 + 4 * (j + c)));
            for (int r = 0; r < R; r++) acc[r][c] = _mm256_fmadd_pd(a[r], b, acc[r][c]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            if (j + c >= i + r) S2[(i + r) * d + j + c] += gmm_hsum(acc[r][c]);
}

/* W[i] = gamma * (X[i] - s[i]) for one row of the block, and S1[i] += its sum. */
GMM_AVX2_INLINE void weight_row(const double *GMM_RESTRICT x, const double *GMM_RESTRICT g, double si,
                                size_t Bp, double *GMM_RESTRICT w, double *GMM_RESTRICT s1i) {
    /* Four partial sums: one add chain would make this loop latency-bound. */
    const __m256d m = _mm256_set1_pd(si);
    __m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    size_t n = 0;
    for (; n + 16 <= Bp; n += 16)
        for (int q = 0; q < 4; q++) {
            __m256d v = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(x + n + 4 * q), m), _mm256_loadu_pd(g + n + 4 * q));
            _mm256_storeu_pd(w + n + 4 * q, v);
            acc[q] = _mm256_add_pd(acc[q], v);
        }
    for (; n < Bp; n += 4) {
        __m256d v = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(x + n), m), _mm256_loadu_pd(g + n));
        _mm256_storeu_pd(w + n, v);
        acc[0] = _mm256_add_pd(acc[0], v);
    }
    *s1i += gmm_hsum(_mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3])));
}

GMM_AVX2 gmm_status gmm_accum_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                        size_t d, size_t K, const double *GMM_RESTRICT gamma,
                                        size_t ldg, const double *GMM_RESTRICT shift,
                                        double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                        double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 4;
    double *W = work, *s4 = work + (d < 3 ? d : 3) * ldx;  /* fits 2*d*ldx for every d */
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        const double *s = shift + k * d;
        nk[k] += gmm_sum_padded(g, Bp);
        double *S2 = s2 + k * d * d;
        for (size_t i = 0; i < d; i++) _mm256_storeu_pd(s4 + 4 * i, _mm256_broadcast_sd(s + i));
        for (size_t i = 0; i < d; i += 3) {
            const int R = (int)(d - i < 3 ? d - i : 3);
            /* Weight these rows just before their tiles, so they are still in L1. */
            for (int r = 0; r < R; r++) weight_row(Xt + (i + r) * ldx, g, s[i + r], Bp, W + r * ldx, s1 + k * d + i + r);
            for (size_t j = i; j < d; j += 4) {
                const int C = (int)(d - j < 4 ? d - j : 4);
#define TILE(r, c) s2_tile(W, Xt, s4, ldx, nvec, d, i, j, S2, r, c)
                if (R == 3) { if (C == 4) TILE(3, 4); else if (C == 3) TILE(3, 3); else if (C == 2) TILE(3, 2); else TILE(3, 1); }
                else if (R == 2) { if (C == 4) TILE(2, 4); else if (C == 3) TILE(2, 3); else if (C == 2) TILE(2, 2); else TILE(2, 1); }
                else { if (C == 4) TILE(1, 4); else if (C == 3) TILE(1, 3); else if (C == 2) TILE(1, 2); else TILE(1, 1); }
#undef TILE
            }
        }
    }
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_accum_diag_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                        size_t d, size_t K, const double *GMM_RESTRICT gamma,
                                        size_t ldg, const double *GMM_RESTRICT shift,
                                        double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                        double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        const double *s = shift + k * d;
        nk[k] += gmm_sum_padded(g, Bp);
        /* Dimensions in groups of four, so the lane sums fold four at a time. */
        for (size_t i0 = 0; i0 < d; i0 += 4) {
            const size_t G = d - i0 < 4 ? d - i0 : 4;
            __m256d v1[4], v2[4];
            for (size_t u = 0; u < 4; u++) v1[u] = v2[u] = _mm256_setzero_pd();
            for (size_t u = 0; u < G; u++) {
                /* Four independent pairs of partial sums: single chains would be latency-bound. */
                const __m256d m = _mm256_broadcast_sd(s + i0 + u);
                const double *x = Xt + (i0 + u) * ldx;
                __m256d a1[4], a2[4];
                for (int q = 0; q < 4; q++) a1[q] = a2[q] = _mm256_setzero_pd();
                size_t n = 0;
                for (; n + 16 <= Bp; n += 16)
                    for (int q = 0; q < 4; q++) {
                        __m256d a = _mm256_sub_pd(_mm256_loadu_pd(x + n + 4 * q), m);
                        __m256d w = _mm256_mul_pd(a, _mm256_loadu_pd(g + n + 4 * q));
                        a1[q] = _mm256_add_pd(a1[q], w);
                        a2[q] = _mm256_fmadd_pd(w, a, a2[q]);
                    }
                for (; n < Bp; n += 4) {
                    __m256d a = _mm256_sub_pd(_mm256_loadu_pd(x + n), m);
                    __m256d w = _mm256_mul_pd(a, _mm256_loadu_pd(g + n));
                    a1[0] = _mm256_add_pd(a1[0], w);
                    a2[0] = _mm256_fmadd_pd(w, a, a2[0]);
                }
                v1[u] = _mm256_add_pd(_mm256_add_pd(a1[0], a1[1]), _mm256_add_pd(a1[2], a1[3]));
                v2[u] = _mm256_add_pd(_mm256_add_pd(a2[0], a2[1]), _mm256_add_pd(a2[2], a2[3]));
            }
            __m256d f1 = gmm_hsum4(v1[0], v1[1], v1[2], v1[3]), f2 = gmm_hsum4(v2[0], v2[1], v2[2], v2[3]);
            double *t1 = s1 + k * d + i0, *t2 = s2 + k * d + i0;
            if (G == 4) {
                _mm256_storeu_pd(t1, _mm256_add_pd(_mm256_loadu_pd(t1), f1));
                _mm256_storeu_pd(t2, _mm256_add_pd(_mm256_loadu_pd(t2), f2));
            } else {
                double b1[4], b2[4];
                _mm256_storeu_pd(b1, f1);
                _mm256_storeu_pd(b2, f2);
                for (size_t u = 0; u < G; u++) { t1[u] += b1[u]; t2[u] += b2[u]; }
            }
        }
    }
    (void)work;
    return GMM_OK;
}

#define M_CMAX 2
#define M_INLINE GMM_AVX2_INLINE
#define GMM_TARGET_FN GMM_AVX2
#define M_NAME(x) x##_avx2
#include "moments_simd.h"
