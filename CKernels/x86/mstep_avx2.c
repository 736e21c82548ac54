/* AVX2/FMA sufficient-statistics kernels. Same contracts as ref/mstep_ref.c.
 *
 * Per component: the block is centred on the shift (A = X - s) and weighted (W = gamma * A)
 * once, then the upper triangle of W^T A is built from 2 x 4 register tiles of dot products
 * over the block's points: each step loads 6 vectors and issues 8 FMAs. Lane partial sums
 * are folded once per block. */
#include "gmm_mstep.h"
#include "vmath_avx2.h"

/* S2[i+r][j+c] += sum_v W[i+r] . A[j+c] for r < R, c < C, written only where j+c >= i+r. */
GMM_AVX2_INLINE void s2_tile(const double *GMM_RESTRICT W, const double *GMM_RESTRICT A,
                             size_t ldx, size_t nvec, size_t d, size_t i, size_t j,
                             double *GMM_RESTRICT S2, const int R, const int C) {
    __m256d acc[2][4];
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_pd();
    const double *w0 = W + i * ldx, *w1 = W + (i + (R > 1)) * ldx;
    for (size_t v = 0; v < nvec; v++) {
        __m256d a0 = _mm256_loadu_pd(w0 + 4 * v);
        __m256d a1 = _mm256_loadu_pd(w1 + 4 * v);
        for (int c = 0; c < C; c++) {
            __m256d b = _mm256_loadu_pd(A + (j + c) * ldx + 4 * v);
            acc[0][c] = _mm256_fmadd_pd(a0, b, acc[0][c]);
            if (R > 1) acc[1][c] = _mm256_fmadd_pd(a1, b, acc[1][c]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            if (j + c >= i + r) S2[(i + r) * d + j + c] += gmm_hsum(acc[r][c]);
}

GMM_AVX2 gmm_status gmm_accum_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                        size_t d, size_t K, const double *GMM_RESTRICT gamma,
                                        size_t ldg, const double *GMM_RESTRICT shift,
                                        double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                        double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 4;
    double *A = work, *W = work + d * ldx;
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        const double *s = shift + k * d;
        __m256d gs = _mm256_setzero_pd();
        for (size_t n = 0; n < Bp; n += 4) gs = _mm256_add_pd(gs, _mm256_loadu_pd(g + n));
        nk[k] += gmm_hsum(gs);
        for (size_t i = 0; i < d; i++) {
            __m256d m = _mm256_broadcast_sd(s + i), acc = _mm256_setzero_pd();
            for (size_t n = 0; n < Bp; n += 4) {
                __m256d a = _mm256_sub_pd(_mm256_loadu_pd(Xt + i * ldx + n), m);
                __m256d w = _mm256_mul_pd(a, _mm256_loadu_pd(g + n));
                _mm256_storeu_pd(A + i * ldx + n, a);
                _mm256_storeu_pd(W + i * ldx + n, w);
                acc = _mm256_add_pd(acc, w);
            }
            s1[k * d + i] += gmm_hsum(acc);
        }
        double *S2 = s2 + k * d * d;
        for (size_t i = 0; i < d; i += 2) {
            const int R = (i + 1 < d) ? 2 : 1;
            size_t j = i;
            for (; j + 4 <= d; j += 4) {
                if (R == 2) s2_tile(W, A, ldx, nvec, d, i, j, S2, 2, 4);
                else s2_tile(W, A, ldx, nvec, d, i, j, S2, 1, 4);
            }
            for (; j < d; j++) {
                if (R == 2) s2_tile(W, A, ldx, nvec, d, i, j, S2, 2, 1);
                else s2_tile(W, A, ldx, nvec, d, i, j, S2, 1, 1);
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
        __m256d gs = _mm256_setzero_pd();
        for (size_t n = 0; n < Bp; n += 4) gs = _mm256_add_pd(gs, _mm256_loadu_pd(g + n));
        nk[k] += gmm_hsum(gs);
        for (size_t i = 0; i < d; i++) {
            __m256d m = _mm256_broadcast_sd(s + i);
            __m256d a1 = _mm256_setzero_pd(), a2 = _mm256_setzero_pd();
            for (size_t n = 0; n < Bp; n += 4) {
                __m256d a = _mm256_sub_pd(_mm256_loadu_pd(Xt + i * ldx + n), m);
                __m256d w = _mm256_mul_pd(a, _mm256_loadu_pd(g + n));
                a1 = _mm256_add_pd(a1, w);
                a2 = _mm256_fmadd_pd(w, a, a2);
            }
            s1[k * d + i] += gmm_hsum(a1);
            s2[k * d + i] += gmm_hsum(a2);
        }
    }
    (void)work;
    return GMM_OK;
}
