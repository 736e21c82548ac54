/* Log-sum-exp in passes over a segment of points (AVX2). Internal header for estep_avx2.c and
 * f32_avx2.c, which supply the exponential pass.
 *
 * Why passes: done point by point, max -> exp -> sum -> division -> log is one long dependency
 * chain per vector of points, longer than the out-of-order window can hide, so the kernel ran
 * at a third of its throughput. Split into passes over up to GMM_BLOCK_MAX points, every step
 * is independent across points and only throughput counts. Scratch: GMM_BLOCK_MAX arrays on
 * the stack (maxima and sums here, and the exponential pass's own rows: 16 KB in all). */
#ifndef GMM_LSE_AVX2_H
#define GMM_LSE_AVX2_H
#include "gmm_types.h"
#include "vmath_avx2.h"

/* Pass 1: mx[4v .. 4v+4) = max over k of logp[k*ldl + 4v ..] for v < nv; four vectors at a time
 * so four max chains run side by side. */
GMM_AVX2_INLINE void gmm_lse_max_pass(const double *GMM_RESTRICT logp, size_t ldl, size_t nv, size_t K,
                                      double *GMM_RESTRICT mx) {
    size_t v = 0;
    for (; v + 4 <= nv; v += 4) {
        __m256d m[4];
        for (int q = 0; q < 4; q++) m[q] = _mm256_loadu_pd(logp + 4 * (v + q));
        for (size_t k = 1; k < K; k++)
            for (int q = 0; q < 4; q++) m[q] = _mm256_max_pd(m[q], _mm256_loadu_pd(logp + k * ldl + 4 * (v + q)));
        for (int q = 0; q < 4; q++) _mm256_storeu_pd(mx + 4 * (v + q), m[q]);
    }
    for (; v < nv; v++) {
        __m256d m = _mm256_loadu_pd(logp + 4 * v);
        for (size_t k = 1; k < K; k++) m = _mm256_max_pd(m, _mm256_loadu_pd(logp + k * ldl + 4 * v));
        _mm256_storeu_pd(mx + 4 * v, m);
    }
}

/* Pass 3: lse[n] = mx[n] + log(sum[n]) for the B valid points, and sum[n] becomes 1/sum[n]
 * (0 on the padding lanes n >= B, so their responsibilities come out 0). */
GMM_AVX2_INLINE void gmm_lse_finish_pass(size_t nv, size_t B, const double *GMM_RESTRICT mx,
                                         double *GMM_RESTRICT sum, double *GMM_RESTRICT lse) {
    const __m256d one = _mm256_set1_pd(1.0);
    for (size_t v = 0; v < nv; v++) {
        const size_t n = 4 * v;
        __m256d s = _mm256_loadu_pd(sum + n);
        __m256d l = _mm256_add_pd(_mm256_loadu_pd(mx + n), gmm_vlog(s));
        __m256d inv = _mm256_div_pd(one, s);
        if (n + 4 <= B) {
            _mm256_storeu_pd(lse + n, l);
        } else {
            const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
            __m256d valid = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(B - n)), lane));
            inv = _mm256_and_pd(inv, valid);
            double tmp[4];
            _mm256_storeu_pd(tmp, l);
            for (size_t q = 0; q < B - n; q++) lse[n + q] = tmp[q];
        }
        _mm256_storeu_pd(sum + n, inv);
    }
}

/* Pass 4: logp[k*ldl + n] *= inv[n], turning exponentials into responsibilities. */
GMM_AVX2_INLINE void gmm_lse_scale_pass(double *GMM_RESTRICT logp, size_t ldl, size_t nv, size_t K,
                                        const double *GMM_RESTRICT inv) {
    for (size_t k = 0; k < K; k++) {
        double *row = logp + k * ldl;
        for (size_t v = 0; v < nv; v++)
            _mm256_storeu_pd(row + 4 * v, _mm256_mul_pd(_mm256_loadu_pd(row + 4 * v), _mm256_loadu_pd(inv + 4 * v)));
    }
}

#endif
