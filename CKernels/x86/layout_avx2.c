/* AVX2 block loading: 4 rows x 4 features at a time, transposed in registers (float32 rows
 * are read 8 wide and widened with vcvtps2pd on the way). Same contract as ref/layout_ref.c. */
#include "gmm_layout.h"
#include "vmath_avx2.h"

/* Transposes four rows of four features (minus the centre c of those features) into four
 * columns of the block. */
GMM_AVX2_INLINE void store_transposed(__m256d r0, __m256d r1, __m256d r2, __m256d r3, __m256d c,
                                      double *GMM_RESTRICT out, size_t ldx) {
    r0 = _mm256_sub_pd(r0, c);
    r1 = _mm256_sub_pd(r1, c);
    r2 = _mm256_sub_pd(r2, c);
    r3 = _mm256_sub_pd(r3, c);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    _mm256_storeu_pd(out, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(out + ldx, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(out + 2 * ldx, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(out + 3 * ldx, _mm256_permute2f128_pd(t1, t3, 0x31));
}

GMM_AVX2_INLINE __m256d centre4(const double *center, size_t i) {
    return center ? _mm256_loadu_pd(center + i) : _mm256_setzero_pd();
}

GMM_AVX2_INLINE void zero_tail(size_t rows, size_t d, double *Xt, size_t ldx) {
    for (size_t i = 0; i < d; i++)
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0;
}

GMM_AVX2 gmm_status gmm_load_block_f64_avx2(const void *GMM_RESTRICT X, size_t ldX, size_t rows,
                                            size_t d, const double *GMM_RESTRICT center,
                                            double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d) return GMM_ERR_ARGUMENT;
    const double *x = (const double *)X;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const double *p = x + r * ldX;
        size_t i = 0;
        for (; i + 4 <= d; i += 4)
            store_transposed(_mm256_loadu_pd(p + i), _mm256_loadu_pd(p + ldX + i),
                             _mm256_loadu_pd(p + 2 * ldX + i), _mm256_loadu_pd(p + 3 * ldX + i),
                             centre4(center, i), Xt + i * ldx + r, ldx);
        for (; i < d; i++)
            for (size_t q = 0; q < 4; q++) Xt[i * ldx + r + q] = p[q * ldX + i] - (center ? center[i] : 0.0);
    }
    for (; r < rows; r++)
        for (size_t i = 0; i < d; i++) Xt[i * ldx + r] = x[r * ldX + i] - (center ? center[i] : 0.0);
    zero_tail(rows, d, Xt, ldx);
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_load_block_f32_avx2(const void *GMM_RESTRICT X, size_t ldX, size_t rows,
                                            size_t d, const double *GMM_RESTRICT center,
                                            double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d) return GMM_ERR_ARGUMENT;
    const float *x = (const float *)X;
    size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float *p = x + r * ldX;
        size_t i = 0;
        for (; i + 8 <= d; i += 8) { /* 8 floats per row: two widened 4 x 4 tiles */
            __m256 a = _mm256_loadu_ps(p + i), b = _mm256_loadu_ps(p + ldX + i);
            __m256 c = _mm256_loadu_ps(p + 2 * ldX + i), e = _mm256_loadu_ps(p + 3 * ldX + i);
            store_transposed(_mm256_cvtps_pd(_mm256_castps256_ps128(a)), _mm256_cvtps_pd(_mm256_castps256_ps128(b)),
                             _mm256_cvtps_pd(_mm256_castps256_ps128(c)), _mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                             centre4(center, i), Xt + i * ldx + r, ldx);
            store_transposed(_mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(b, 1)),
                             _mm256_cvtps_pd(_mm256_extractf128_ps(c, 1)), _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)),
                             centre4(center, i + 4), Xt + (i + 4) * ldx + r, ldx);
        }
        for (; i + 4 <= d; i += 4)
            store_transposed(_mm256_cvtps_pd(_mm_loadu_ps(p + i)), _mm256_cvtps_pd(_mm_loadu_ps(p + ldX + i)),
                             _mm256_cvtps_pd(_mm_loadu_ps(p + 2 * ldX + i)),
                             _mm256_cvtps_pd(_mm_loadu_ps(p + 3 * ldX + i)), centre4(center, i), Xt + i * ldx + r, ldx);
        for (; i < d; i++)
            for (size_t q = 0; q < 4; q++) Xt[i * ldx + r + q] = (double)p[q * ldX + i] - (center ? center[i] : 0.0);
    }
    for (; r < rows; r++)
        for (size_t i = 0; i < d; i++) Xt[i * ldx + r] = (double)x[r * ldX + i] - (center ? center[i] : 0.0);
    zero_tail(rows, d, Xt, ldx);
    return GMM_OK;
}
