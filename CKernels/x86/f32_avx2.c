/* AVX2/FMA float32 kernels, 8 lanes (see gmm_f32.h; twins of ref/f32_ref.c). */
#include <math.h>
#include "gmm_f32.h"
#include "vmath_avx2.h"
#include "lse_avx2.h"

#define A32_RMAX 3
#define A32_INLINE GMM_AVX2_INLINE
#define A32_FN GMM_AVX2
#define A32_NAME(x) x##_avx2
#include "f32_accum_simd.h"

/* Stores c - 1/2 sq (8 lanes) as doubles. */
GMM_AVX2_INLINE void store_logp(double *out, double c, __m256 sq) {
    const __m256d cc = _mm256_set1_pd(c), half = _mm256_set1_pd(0.5);
    _mm256_storeu_pd(out, _mm256_fnmadd_pd(half, _mm256_cvtps_pd(_mm256_castps256_ps128(sq)), cc));
    _mm256_storeu_pd(out + 4, _mm256_fnmadd_pd(half, _mm256_cvtps_pd(_mm256_extractf128_ps(sq, 1)), cc));
}

GMM_AVX2 gmm_status gmm_load32_avx2(const float *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                    const double *GMM_RESTRICT center, const double *GMM_RESTRICT scale,
                                    double limit, float *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d || ldx % 8) return GMM_ERR_ARGUMENT;
    /* Row by row: widen 4 features, subtract the centre in float64, round, scatter. The
     * block is small next to the E- and M-step work, so plain stores suffice here. */
    const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFLL));
    __m256d largest = _mm256_setzero_pd();
    double largest_tail = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *x = X + r * ldX;
        size_t i = 0;
        for (; i + 4 <= d; i += 4) {
            __m256d v = _mm256_cvtps_pd(_mm_loadu_ps(x + i));
            if (center) v = _mm256_sub_pd(v, _mm256_loadu_pd(center + i));
            if (scale) v = _mm256_mul_pd(v, _mm256_loadu_pd(scale + i));
            largest = _mm256_max_pd(largest, _mm256_and_pd(v, abs_mask));
            float f[4];
            _mm_storeu_ps(f, _mm256_cvtpd_ps(v));
            Xt[i * ldx + r] = f[0];
            Xt[(i + 1) * ldx + r] = f[1];
            Xt[(i + 2) * ldx + r] = f[2];
            Xt[(i + 3) * ldx + r] = f[3];
        }
        for (; i < d; i++) {
            double v = (double)x[i] - (center ? center[i] : 0.0);
            if (scale) v *= scale[i];
            largest_tail = fabs(v) > largest_tail ? fabs(v) : largest_tail;
            Xt[i * ldx + r] = (float)v;
        }
    }
    for (size_t i = 0; i < d; i++)
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0f;
    double lanes[4];
    _mm256_storeu_pd(lanes, largest);
    for (int q = 0; q < 4; q++) largest_tail = lanes[q] > largest_tail ? lanes[q] : largest_tail;
    return largest_tail > limit ? GMM_F32_RANGE : GMM_OK;
}

/* Adds |(x U + b)_j..j+nc-1|^2 to sq[0..nv) (nv <= 4 vectors of 8 points, kept in memory so
 * a 4 x 3 tile's 12 accumulators fit the registers); b = -mu U. As the float64 kernel: 7
 * loads per 12 FMAs, no centring pass. */
GMM_AVX2_INLINE void full32_cols(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT b,
                                 const float *GMM_RESTRICT U, size_t j, float *GMM_RESTRICT sq, const int nv,
                                 const int nc) {
    __m256 y[3][4];
    for (int c = 0; c < nc; c++) {
        const __m256 bc = _mm256_broadcast_ss(b + j + c);
        for (int v = 0; v < nv; v++) y[c][v] = bc;
    }
    for (size_t i = 0; i <= j; i++) {
        __m256 u[3];
        for (int c = 0; c < nc; c++) u[c] = _mm256_broadcast_ss(U + i * d + j + c);
        for (int v = 0; v < nv; v++) {
            const __m256 x = _mm256_loadu_ps(X + i * ldx + 8 * v);
            for (int c = 0; c < nc; c++) y[c][v] = _mm256_fmadd_ps(x, u[c], y[c][v]);
        }
    }
    for (int e = 1; e < nc; e++) {
        const size_t i = j + e;
        for (int v = 0; v < nv; v++) {
            const __m256 x = _mm256_loadu_ps(X + i * ldx + 8 * v);
            for (int c = e; c < nc; c++) y[c][v] = _mm256_fmadd_ps(x, _mm256_broadcast_ss(U + i * d + j + c), y[c][v]);
        }
    }
    for (int v = 0; v < nv; v++) {
        __m256 t = _mm256_loadu_ps(sq + 8 * v);
        for (int c = 0; c < nc; c++) t = _mm256_fmadd_ps(y[c][v], y[c][v], t);
        _mm256_storeu_ps(sq + 8 * v, t);
    }
}

GMM_AVX2_INLINE void full32_tile(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT b,
                                 const float *GMM_RESTRICT U, float *GMM_RESTRICT sq, double c, double *GMM_RESTRICT out,
                                 const int nv) {
    for (int v = 0; v < nv; v++) _mm256_storeu_ps(sq + 8 * v, _mm256_setzero_ps());
    size_t j = 0;
    for (; j + 3 <= d; j += 3) full32_cols(X, ldx, d, b, U, j, sq, nv, 3);
    if (d - j == 2) full32_cols(X, ldx, d, b, U, j, sq, nv, 2);
    else if (d - j == 1) full32_cols(X, ldx, d, b, U, j, sq, nv, 1);
    for (int v = 0; v < nv; v++) store_logp(out + 8 * v, c, _mm256_loadu_ps(sq + 8 * v));
}

/* y = x U + b with b = -mu U (float64, then rounded): the block is centred on the driver's
 * centre, near the means, so x U and b stay of the mixture's scale; the cancellation costs
 * float32 digits in proportion to how far (in standard deviations) the centre lies from the
 * component, a few for well-placed centres. */
GMM_AVX2 gmm_status gmm_logprob32_full_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                            const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                            const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                            double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    float *U = work, *b = work + d * d, *sq = b + d;
    const size_t nvec = Bp / 8;
    gmm_prefetcher pf = gmm_prefetcher_start(next, K * ((nvec + 3) / 4));
    for (size_t k = 0; k < K; k++) {
        const double *Uk = prec_chol + k * d * d, *mu = means + k * d;
        for (size_t q = 0; q < d * d; q++) U[q] = (float)Uk[q];
        for (size_t j = 0; j < d; j++) {
            double t = 0.0;
            for (size_t i = 0; i <= j; i++) t -= mu[i] * Uk[i * d + j];
            b[j] = (float)t;
        }
        double *out = logp + k * ldl;
        size_t v = 0;
        for (; v + 4 <= nvec; v += 4) {
            gmm_prefetcher_step(&pf);
            full32_tile(Xt + 8 * v, ldx, d, b, U, sq, log_norm[k], out + 8 * v, 4);
        }
        gmm_prefetcher_step(&pf);
        if (nvec - v == 3) full32_tile(Xt + 8 * v, ldx, d, b, U, sq, log_norm[k], out + 8 * v, 3);
        else if (nvec - v == 2) full32_tile(Xt + 8 * v, ldx, d, b, U, sq, log_norm[k], out + 8 * v, 2);
        else if (nvec - v == 1) full32_tile(Xt + 8 * v, ldx, d, b, U, sq, log_norm[k], out + 8 * v, 1);
    }
    return GMM_OK;
}

/* As the float64 diagonal tile: t = x p - mu p by FMA, 4 components x 2 vectors of 8 points. */
GMM_AVX2_INLINE void diag32_tile(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT P,
                                 const float *GMM_RESTRICT Bc, const double *GMM_RESTRICT log_norm,
                                 double *GMM_RESTRICT out, size_t ldl, const int C, const int V) {
    __m256 acc[4][2];
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++) acc[c][v] = _mm256_setzero_ps();
    for (size_t i = 0; i < d; i++) {
        __m256 x[2];
        for (int v = 0; v < V; v++) x[v] = _mm256_loadu_ps(X + i * ldx + 8 * v);
        for (int c = 0; c < C; c++) {
            const __m256 p = _mm256_broadcast_ss(P + c * d + i), b = _mm256_broadcast_ss(Bc + c * d + i);
            for (int v = 0; v < V; v++) {
                const __m256 t = _mm256_fmadd_ps(x[v], p, b);
                acc[c][v] = _mm256_fmadd_ps(t, t, acc[c][v]);
            }
        }
    }
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++) store_logp(out + c * ldl + 8 * v, log_norm[c], acc[c][v]);
}

GMM_AVX2 gmm_status gmm_logprob32_diag_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                            const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                            const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                            double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 8;
    gmm_prefetcher pf = gmm_prefetcher_start(next, ((K + 3) / 4) * ((nvec + 1) / 2));
    float *P = work, *Bc = work + 4 * d;  /* 8*d floats: within d*d + 2*d + 32 for every d */
    for (size_t k0 = 0; k0 < K; k0 += 4) {
        const int C = (int)(K - k0 < 4 ? K - k0 : 4);
        for (size_t q = 0; q < (size_t)C * d; q++) {
            P[q] = (float)prec_chol[k0 * d + q];
            Bc[q] = (float)(-means[k0 * d + q] * prec_chol[k0 * d + q]);
        }
        double *out = logp + k0 * ldl;
        for (size_t v = 0; v < nvec; v += 2) {
            const int V = nvec - v < 2 ? 1 : 2;
            gmm_prefetcher_step(&pf);
#define DT(c, w) diag32_tile(Xt + 8 * v, ldx, d, P, Bc, log_norm + k0, out + 8 * v, ldl, c, w)
#define DT_V(c) do { if (V == 2) DT(c, 2); else DT(c, 1); } while (0)
            if (C == 4) DT_V(4); else if (C == 3) DT_V(3); else if (C == 2) DT_V(2); else DT_V(1);
#undef DT_V
#undef DT
        }
    }
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_accum32_diag_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                          const double *GMM_RESTRICT gamma, size_t ldg,
                                          const double *GMM_RESTRICT shift, float *GMM_RESTRICT work,
                                          double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    float *g32 = work;
    const unsigned csr = flush_subnormals();
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        nk[k] += gmm_sum_padded(g, Bp);
        narrow(g, Bp, g32);
        /* Features four at a time: their 8 sums fold in one hsum8x8; four chains per sum so
         * the loop is not latency-bound. */
        for (size_t i0 = 0; i0 < d; i0 += 4) {
            const size_t G = d - i0 < 4 ? d - i0 : 4;
            __m256 v1[4], v2[4];
            for (int u = 0; u < 4; u++) v1[u] = v2[u] = _mm256_setzero_ps();
            for (size_t u = 0; u < G; u++) {
                const __m256 m = _mm256_set1_ps((float)shift[k * d + i0 + u]);
                const float *x = Xt + (i0 + u) * ldx;
                __m256 a1[4], a2[4];
                for (int q = 0; q < 4; q++) a1[q] = a2[q] = _mm256_setzero_ps();
                size_t n = 0;
                for (; n + 32 <= Bp; n += 32)
                    for (int q = 0; q < 4; q++) {
                        __m256 a = _mm256_sub_ps(_mm256_loadu_ps(x + n + 8 * q), m);
                        __m256 w = _mm256_mul_ps(_mm256_loadu_ps(g32 + n + 8 * q), a);
                        a1[q] = _mm256_add_ps(a1[q], w);
                        a2[q] = _mm256_fmadd_ps(w, a, a2[q]);
                    }
                for (; n < Bp; n += 8) {
                    __m256 a = _mm256_sub_ps(_mm256_loadu_ps(x + n), m);
                    __m256 w = _mm256_mul_ps(_mm256_loadu_ps(g32 + n), a);
                    a1[0] = _mm256_add_ps(a1[0], w);
                    a2[0] = _mm256_fmadd_ps(w, a, a2[0]);
                }
                v1[u] = _mm256_add_ps(_mm256_add_ps(a1[0], a1[1]), _mm256_add_ps(a1[2], a1[3]));
                v2[u] = _mm256_add_ps(_mm256_add_ps(a2[0], a2[1]), _mm256_add_ps(a2[2], a2[3]));
            }
            float sums[8];
            _mm256_storeu_ps(sums, hsum8x8(v1[0], v1[1], v1[2], v1[3], v2[0], v2[1], v2[2], v2[3]));
            for (size_t u = 0; u < G; u++) {
                s1[k * d + i0 + u] += sums[u];
                s2[k * d + i0 + u] += sums[4 + u];
            }
        }
    }
    _mm_setcsr(csr);
    return GMM_OK;
}

/* Pass 2 of the log-sum-exp (lse_avx2.h) with float32 exponentials: the float64 differences
 * logp - mx are narrowed, exponentiated 8 at a time, widened back in place, and summed in
 * float32 (in k order, as the reference). nv counts 4-point vectors and is even. As in the
 * float64 kernel, one component row at a time in two sweeps (gmm_vexp_ps_reduce, then
 * gmm_vexp_ps_finish), so that each sweep's constants stay in registers. */
GMM_AVX2_INLINE void lse32_exp_pass(double *GMM_RESTRICT logp, size_t ldl, size_t nv, size_t K,
                                    const double *GMM_RESTRICT mx, double *GMM_RESTRICT sum) {
    float r_row[GMM_BLOCK_MAX], k_row[GMM_BLOCK_MAX], s_row[GMM_BLOCK_MAX];
    for (size_t n = 0; n < 4 * nv; n += 8) _mm256_storeu_ps(s_row + n, _mm256_setzero_ps());
    for (size_t k = 0; k < K; k++) {
        double *row = logp + k * ldl;
        for (size_t n = 0; n < 4 * nv; n += 8) {
            const __m128 x0 = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_loadu_pd(row + n), _mm256_loadu_pd(mx + n)));
            const __m128 x1 = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_loadu_pd(row + n + 4), _mm256_loadu_pd(mx + n + 4)));
            __m256 r, kt;
            gmm_vexp_ps_reduce(_mm256_insertf128_ps(_mm256_castps128_ps256(x0), x1, 1), &r, &kt);
            _mm256_storeu_ps(r_row + n, r);
            _mm256_storeu_ps(k_row + n, kt);
        }
        for (size_t n = 0; n < 4 * nv; n += 8) {
            const __m256 e = gmm_vexp_ps_finish(_mm256_loadu_ps(r_row + n), _mm256_loadu_ps(k_row + n));
            _mm256_storeu_pd(row + n, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
            _mm256_storeu_pd(row + n + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
            _mm256_storeu_ps(s_row + n, _mm256_add_ps(_mm256_loadu_ps(s_row + n), e));
        }
    }
    for (size_t n = 0; n < 4 * nv; n += 8) {
        const __m256 t = _mm256_loadu_ps(s_row + n);
        _mm256_storeu_pd(sum + n, _mm256_cvtps_pd(_mm256_castps256_ps128(t)));
        _mm256_storeu_pd(sum + n + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(t, 1)));
    }
}

/* Whole groups of 8 points in passes (float64 maxima, float32 exponentials, float64 log and
 * normalization); the points past the last full 8 and the padding as the reference does them. */
GMM_AVX2 gmm_status gmm_lse32_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K, double *GMM_RESTRICT lse) {
    if (B > ldl || K == 0) return GMM_ERR_ARGUMENT;
    const size_t full = B / 8 * 8;
    double mx[GMM_BLOCK_MAX], sum[GMM_BLOCK_MAX];
    for (size_t n0 = 0; n0 < full; n0 += GMM_BLOCK_MAX) {
        const size_t len = full - n0 < GMM_BLOCK_MAX ? full - n0 : GMM_BLOCK_MAX, nv = len / 4;
        gmm_lse_max_pass(logp + n0, ldl, nv, K, mx);
        lse32_exp_pass(logp + n0, ldl, nv, K, mx, sum);
        gmm_lse_finish_pass(nv, len, mx, sum, lse + n0);
        gmm_lse_scale_pass(logp + n0, ldl, nv, K, sum);
    }
    return gmm_lse32_from_ref(logp, ldl, full, B, K, lse);
}
