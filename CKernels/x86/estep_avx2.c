/* AVX2/FMA E-step kernels. Same contracts as the reference twins in ref/estep_ref.c.
 *
 * Points run along the SIMD lanes (the block is transposed), so small d vectorizes as well
 * as large d, and |y|^2 accumulates vertically with no horizontal sums. The triangular
 * product y = (x - mu) U is register-blocked as 3 vectors of points (12) by 2 columns of U:
 * each loaded vector of centred features feeds two FMAs, and only i <= j is visited. */
#include "gmm_estep.h"
#include "vmath_avx2.h"

/* |(x - mu) U|^2 for nv (1..3) vectors of points starting at A (centred, transposed). */
GMM_AVX2_INLINE void full_tile(const double *GMM_RESTRICT A, size_t ldx, size_t d,
                               const double *GMM_RESTRICT U, __m256d c, double *GMM_RESTRICT out,
                               const int nv) {
    __m256d sq[3] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    size_t j = 0;
    for (; j + 1 < d; j += 2) {
        __m256d y0[3] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
        __m256d y1[3] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
        for (size_t i = 0; i <= j; i++) {
            __m256d u0 = _mm256_broadcast_sd(U + i * d + j);
            __m256d u1 = _mm256_broadcast_sd(U + i * d + j + 1);
            const double *a = A + i * ldx;
            for (int v = 0; v < nv; v++) {
                __m256d x = _mm256_loadu_pd(a + 4 * v);
                y0[v] = _mm256_fmadd_pd(x, u0, y0[v]);
                y1[v] = _mm256_fmadd_pd(x, u1, y1[v]);
            }
        }
        __m256d u1 = _mm256_broadcast_sd(U + (j + 1) * d + j + 1);
        const double *a = A + (j + 1) * ldx;
        for (int v = 0; v < nv; v++) {
            y1[v] = _mm256_fmadd_pd(_mm256_loadu_pd(a + 4 * v), u1, y1[v]);
            sq[v] = _mm256_fmadd_pd(y0[v], y0[v], sq[v]);
            sq[v] = _mm256_fmadd_pd(y1[v], y1[v], sq[v]);
        }
    }
    if (j < d) {
        __m256d y0[3] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
        for (size_t i = 0; i <= j; i++) {
            __m256d u0 = _mm256_broadcast_sd(U + i * d + j);
            for (int v = 0; v < nv; v++)
                y0[v] = _mm256_fmadd_pd(_mm256_loadu_pd(A + i * ldx + 4 * v), u0, y0[v]);
        }
        for (int v = 0; v < nv; v++) sq[v] = _mm256_fmadd_pd(y0[v], y0[v], sq[v]);
    }
    const __m256d half = _mm256_set1_pd(0.5);
    for (int v = 0; v < nv; v++) _mm256_storeu_pd(out + 4 * v, _mm256_fnmadd_pd(half, sq[v], c));
}

GMM_AVX2 gmm_status gmm_logprob_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                          size_t d, size_t K, const double *GMM_RESTRICT means,
                                          const double *GMM_RESTRICT prec_chol,
                                          const double *GMM_RESTRICT log_norm,
                                          double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                          size_t ldl) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 4;
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d;
        const double *U = prec_chol + k * d * d;
        for (size_t i = 0; i < d; i++) {
            __m256d m = _mm256_broadcast_sd(mu + i);
            for (size_t n = 0; n < Bp; n += 4)
                _mm256_storeu_pd(work + i * ldx + n, _mm256_sub_pd(_mm256_loadu_pd(Xt + i * ldx + n), m));
        }
        __m256d c = _mm256_broadcast_sd(log_norm + k);
        double *out = logp + k * ldl;
        size_t v = 0;
        for (; v + 3 <= nvec; v += 3) full_tile(work + 4 * v, ldx, d, U, c, out + 4 * v, 3);
        if (nvec - v == 2) full_tile(work + 4 * v, ldx, d, U, c, out + 4 * v, 2);
        else if (nvec - v == 1) full_tile(work + 4 * v, ldx, d, U, c, out + 4 * v, 1);
    }
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_logprob_diag_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                          size_t d, size_t K, const double *GMM_RESTRICT means,
                                          const double *GMM_RESTRICT prec_chol,
                                          const double *GMM_RESTRICT log_norm,
                                          double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                          size_t ldl) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const __m256d half = _mm256_set1_pd(0.5);
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d;
        const double *p = prec_chol + k * d;
        __m256d c = _mm256_broadcast_sd(log_norm + k);
        double *out = logp + k * ldl;
        size_t n = 0;
        /* Four independent vectors of points per pass for instruction-level parallelism. */
        for (; n + 16 <= Bp; n += 16) {
            __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
            for (size_t i = 0; i < d; i++) {
                __m256d m = _mm256_broadcast_sd(mu + i), q = _mm256_broadcast_sd(p + i);
                const double *x = Xt + i * ldx + n;
                __m256d t0 = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(x), m), q);
                __m256d t1 = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(x + 4), m), q);
                __m256d t2 = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(x + 8), m), q);
                __m256d t3 = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(x + 12), m), q);
                s0 = _mm256_fmadd_pd(t0, t0, s0);
                s1 = _mm256_fmadd_pd(t1, t1, s1);
                s2 = _mm256_fmadd_pd(t2, t2, s2);
                s3 = _mm256_fmadd_pd(t3, t3, s3);
            }
            _mm256_storeu_pd(out + n, _mm256_fnmadd_pd(half, s0, c));
            _mm256_storeu_pd(out + n + 4, _mm256_fnmadd_pd(half, s1, c));
            _mm256_storeu_pd(out + n + 8, _mm256_fnmadd_pd(half, s2, c));
            _mm256_storeu_pd(out + n + 12, _mm256_fnmadd_pd(half, s3, c));
        }
        for (; n < Bp; n += 4) {
            __m256d s0 = _mm256_setzero_pd();
            for (size_t i = 0; i < d; i++) {
                __m256d t = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(Xt + i * ldx + n),
                                                        _mm256_broadcast_sd(mu + i)),
                                          _mm256_broadcast_sd(p + i));
                s0 = _mm256_fmadd_pd(t, t, s0);
            }
            _mm256_storeu_pd(out + n, _mm256_fnmadd_pd(half, s0, c));
        }
    }
    (void)work;
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_lse_resp_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                      double *GMM_RESTRICT lse) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldl || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t n = 0; n < Bp; n += 4) {
        __m256d m = _mm256_loadu_pd(logp + n);
        for (size_t k = 1; k < K; k++) m = _mm256_max_pd(m, _mm256_loadu_pd(logp + k * ldl + n));
        __m256d s = _mm256_setzero_pd();
        for (size_t k = 0; k < K; k++) {
            __m256d e = gmm_vexp(_mm256_sub_pd(_mm256_loadu_pd(logp + k * ldl + n), m));
            _mm256_storeu_pd(logp + k * ldl + n, e);
            s = _mm256_add_pd(s, e);
        }
        __m256d inv = _mm256_div_pd(_mm256_set1_pd(1.0), s);
        __m256d l = _mm256_add_pd(m, gmm_vlog(s));
        if (n + 4 <= B) {
            for (size_t k = 0; k < K; k++)
                _mm256_storeu_pd(logp + k * ldl + n, _mm256_mul_pd(_mm256_loadu_pd(logp + k * ldl + n), inv));
            _mm256_storeu_pd(lse + n, l);
        } else {
            /* Tail vector: lanes past B are padding; their responsibilities become 0. */
            const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
            __m256d valid = _mm256_castsi256_pd(_mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(B - n)), lane));
            for (size_t k = 0; k < K; k++) {
                __m256d r = _mm256_mul_pd(_mm256_loadu_pd(logp + k * ldl + n), inv);
                _mm256_storeu_pd(logp + k * ldl + n, _mm256_and_pd(r, valid));
            }
            double tmp[4];
            _mm256_storeu_pd(tmp, l);
            for (size_t q = 0; q < B - n; q++) lse[n + q] = tmp[q];
        }
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = Bp; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_hard_assign_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                         double *GMM_RESTRICT best, int32_t *GMM_RESTRICT label) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldl || K == 0) return GMM_ERR_ARGUMENT;
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
    for (size_t n = 0; n < Bp; n += 4) {
        /* Running maximum and its index (as a double); strict > keeps the first maximum. */
        __m256d m = _mm256_loadu_pd(logp + n), arg = _mm256_setzero_pd();
        for (size_t k = 1; k < K; k++) {
            __m256d v = _mm256_loadu_pd(logp + k * ldl + n);
            __m256d gt = _mm256_cmp_pd(v, m, _CMP_GT_OQ);
            m = _mm256_blendv_pd(m, v, gt);
            arg = _mm256_blendv_pd(arg, _mm256_set1_pd((double)k), gt);
        }
        __m256d valid = _mm256_castsi256_pd(
            _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(B > n ? B - n : 0)), lane));
        for (size_t k = 0; k < K; k++) {
            __m256d hit = _mm256_and_pd(_mm256_cmp_pd(arg, _mm256_set1_pd((double)k), _CMP_EQ_OQ), valid);
            _mm256_storeu_pd(logp + k * ldl + n, _mm256_and_pd(hit, one));
        }
        double mb[4], ab[4];
        _mm256_storeu_pd(mb, m);
        _mm256_storeu_pd(ab, arg);
        for (size_t q = 0; q < 4 && n + q < B; q++) {
            best[n + q] = mb[q];
            label[n + q] = (int32_t)ab[q];
        }
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = Bp; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}
