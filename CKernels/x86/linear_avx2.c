/* AVX2/FMA kernels of the linear families. Same contracts as ref/linear_ref.c.
 *
 * E-step: logp = A Xt + b, register-blocked as 4 components x 2 vectors of points (8
 * accumulators; each loaded vector of a feature feeds 4 FMAs, each broadcast entry of A 2).
 * Statistics: S1 = G Xt^T as 4 components x 2 features, each accumulator a vector over points
 * folded once at the end; the loaded vectors of g feed 2 FMAs and those of x 4. */
#include "gmm_linear.h"
#include "vmath_avx2.h"

GMM_AVX2_INLINE void logprob_tile(const double *GMM_RESTRICT Xt, size_t ldx, size_t D, const double *GMM_RESTRICT A,
                                  const double *GMM_RESTRICT b, double *GMM_RESTRICT logp, size_t ldl,
                                  size_t n, const int nk, const int nv) {
    __m256d acc[4][2];
    for (int k = 0; k < nk; k++)
        for (int v = 0; v < nv; v++) acc[k][v] = _mm256_broadcast_sd(b + k);
    for (size_t i = 0; i < D; i++) {
        __m256d x[2];
        for (int v = 0; v < nv; v++) x[v] = _mm256_loadu_pd(Xt + i * ldx + n + 4 * v);
        for (int k = 0; k < nk; k++) {
            const __m256d a = _mm256_broadcast_sd(A + k * D + i);
            for (int v = 0; v < nv; v++) acc[k][v] = _mm256_fmadd_pd(a, x[v], acc[k][v]);
        }
    }
    for (int k = 0; k < nk; k++)
        for (int v = 0; v < nv; v++) _mm256_storeu_pd(logp + k * ldl + n + 4 * v, acc[k][v]);
}

GMM_AVX2_INLINE void logprob_rows(const double *GMM_RESTRICT Xt, size_t ldx, size_t Bp, size_t D,
                                  const double *GMM_RESTRICT A, const double *GMM_RESTRICT b,
                                  double *GMM_RESTRICT logp, size_t ldl, const int nk) {
    size_t n = 0;
    for (; n + 8 <= Bp; n += 8) logprob_tile(Xt, ldx, D, A, b, logp, ldl, n, nk, 2);
    if (n < Bp) logprob_tile(Xt, ldx, D, A, b, logp, ldl, n, nk, 1);
}

GMM_AVX2 gmm_status gmm_linear_logprob_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                            const double *GMM_RESTRICT A, const double *GMM_RESTRICT b,
                                            double *GMM_RESTRICT logp, size_t ldl) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || D == 0 || K == 0) return GMM_ERR_ARGUMENT;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) logprob_rows(Xt, ldx, Bp, D, A + k * D, b + k, logp + k * ldl, ldl, 4);
    switch (K - k) {
    case 3: logprob_rows(Xt, ldx, Bp, D, A + k * D, b + k, logp + k * ldl, ldl, 3); break;
    case 2: logprob_rows(Xt, ldx, Bp, D, A + k * D, b + k, logp + k * ldl, ldl, 2); break;
    case 1: logprob_rows(Xt, ldx, Bp, D, A + k * D, b + k, logp + k * ldl, ldl, 1); break;
    default: break;
    }
    return GMM_OK;
}

GMM_AVX2_INLINE double fold(__m256d v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* s1[k*D + i + f] += sum_n g[k, n] Xt[i + f, n] for nk components and nf features. */
GMM_AVX2_INLINE void accum_tile(const double *GMM_RESTRICT Xt, size_t ldx, size_t Bp, size_t D,
                                const double *GMM_RESTRICT g, size_t ldg, double *GMM_RESTRICT s1, size_t i,
                                const int nk, const int nf) {
    __m256d acc[4][2];
    for (int k = 0; k < nk; k++)
        for (int f = 0; f < nf; f++) acc[k][f] = _mm256_setzero_pd();
    for (size_t n = 0; n < Bp; n += 4) {
        __m256d x[2];
        for (int f = 0; f < nf; f++) x[f] = _mm256_loadu_pd(Xt + (i + f) * ldx + n);
        for (int k = 0; k < nk; k++) {
            const __m256d gk = _mm256_loadu_pd(g + k * ldg + n);
            for (int f = 0; f < nf; f++) acc[k][f] = _mm256_fmadd_pd(gk, x[f], acc[k][f]);
        }
    }
    for (int k = 0; k < nk; k++)
        for (int f = 0; f < nf; f++) s1[k * D + i + f] += fold(acc[k][f]);
}

GMM_AVX2_INLINE void accum_rows(const double *GMM_RESTRICT Xt, size_t ldx, size_t Bp, size_t D,
                                const double *GMM_RESTRICT g, size_t ldg, double *GMM_RESTRICT nk_out,
                                double *GMM_RESTRICT s1, const int nk) {
    for (int k = 0; k < nk; k++) {
        __m256d t0 = _mm256_setzero_pd(), t1 = _mm256_setzero_pd();
        size_t n = 0;
        for (; n + 8 <= Bp; n += 8) {
            t0 = _mm256_add_pd(t0, _mm256_loadu_pd(g + k * ldg + n));
            t1 = _mm256_add_pd(t1, _mm256_loadu_pd(g + k * ldg + n + 4));
        }
        if (n < Bp) t0 = _mm256_add_pd(t0, _mm256_loadu_pd(g + k * ldg + n));
        nk_out[k] += fold(_mm256_add_pd(t0, t1));
    }
    size_t i = 0;
    for (; i + 2 <= D; i += 2) accum_tile(Xt, ldx, Bp, D, g, ldg, s1, i, nk, 2);
    if (i < D) accum_tile(Xt, ldx, Bp, D, g, ldg, s1, i, nk, 1);
}

GMM_AVX2 gmm_status gmm_linear_accum_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                          const double *GMM_RESTRICT g, size_t ldg, double *GMM_RESTRICT nk,
                                          double *GMM_RESTRICT s1) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldg || D == 0 || K == 0) return GMM_ERR_ARGUMENT;
    size_t k = 0;
    for (; k + 4 <= K; k += 4) accum_rows(Xt, ldx, Bp, D, g + k * ldg, ldg, nk + k, s1 + k * D, 4);
    switch (K - k) {
    case 3: accum_rows(Xt, ldx, Bp, D, g + k * ldg, ldg, nk + k, s1 + k * D, 3); break;
    case 2: accum_rows(Xt, ldx, Bp, D, g + k * ldg, ldg, nk + k, s1 + k * D, 2); break;
    case 1: accum_rows(Xt, ldx, Bp, D, g + k * ldg, ldg, nk + k, s1 + k * D, 1); break;
    default: break;
    }
    return GMM_OK;
}
