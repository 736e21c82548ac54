/* AVX2/FMA float32 kernels, 8 lanes (see gmm_f32.h; twins of ref/f32_ref.c). */
#include <math.h>
#include "gmm_f32.h"
#include "vmath_avx2.h"
#include "lse_avx2.h"

GMM_AVX2_INLINE double hsum8(__m256 v) {
    __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    return gmm_hsum(_mm256_add_pd(a, b));
}

/* Stores c - 1/2 sq (8 lanes) as doubles. */
GMM_AVX2_INLINE void store_logp(double *out, double c, __m256 sq) {
    const __m256d cc = _mm256_set1_pd(c), half = _mm256_set1_pd(0.5);
    _mm256_storeu_pd(out, _mm256_fnmadd_pd(half, _mm256_cvtps_pd(_mm256_castps256_ps128(sq)), cc));
    _mm256_storeu_pd(out + 4, _mm256_fnmadd_pd(half, _mm256_cvtps_pd(_mm256_extractf128_ps(sq, 1)), cc));
}

GMM_AVX2 gmm_status gmm_load32_avx2(const float *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                    const double *GMM_RESTRICT center, float *GMM_RESTRICT Xt, size_t ldx) {
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
            largest_tail = fabs(v) > largest_tail ? fabs(v) : largest_tail;
            Xt[i * ldx + r] = (float)v;
        }
    }
    for (size_t i = 0; i < d; i++)
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0f;
    double lanes[4];
    _mm256_storeu_pd(lanes, largest);
    for (int q = 0; q < 4; q++) largest_tail = lanes[q] > largest_tail ? lanes[q] : largest_tail;
    return largest_tail > GMM_F32_SAFE ? GMM_F32_RANGE : GMM_OK;
}

/* |(x - mu) U|^2 for nv (1..3) vectors of 8 points, centring on the fly (FP add pipes). */
GMM_AVX2_INLINE void full32_tile(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT mu,
                                 const float *GMM_RESTRICT U, __m256 *out, const int nv) {
    __m256 sq[3] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    size_t j = 0;
    for (; j + 1 < d; j += 2) {
        __m256 y0[3] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        __m256 y1[3] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (size_t i = 0; i <= j + 1; i++) {
            const __m256 m = _mm256_broadcast_ss(mu + i), u1 = _mm256_broadcast_ss(U + i * d + j + 1);
            if (i <= j) {
                const __m256 u0 = _mm256_broadcast_ss(U + i * d + j);
                for (int v = 0; v < nv; v++) {
                    __m256 x = _mm256_sub_ps(_mm256_loadu_ps(X + i * ldx + 8 * v), m);
                    y0[v] = _mm256_fmadd_ps(x, u0, y0[v]);
                    y1[v] = _mm256_fmadd_ps(x, u1, y1[v]);
                }
            } else {
                for (int v = 0; v < nv; v++)
                    y1[v] = _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(X + i * ldx + 8 * v), m), u1, y1[v]);
            }
        }
        for (int v = 0; v < nv; v++) {
            sq[v] = _mm256_fmadd_ps(y0[v], y0[v], sq[v]);
            sq[v] = _mm256_fmadd_ps(y1[v], y1[v], sq[v]);
        }
    }
    if (j < d) {
        __m256 y0[3] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (size_t i = 0; i <= j; i++) {
            const __m256 m = _mm256_broadcast_ss(mu + i), u0 = _mm256_broadcast_ss(U + i * d + j);
            for (int v = 0; v < nv; v++)
                y0[v] = _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(X + i * ldx + 8 * v), m), u0, y0[v]);
        }
        for (int v = 0; v < nv; v++) sq[v] = _mm256_fmadd_ps(y0[v], y0[v], sq[v]);
    }
    for (int v = 0; v < nv; v++) out[v] = sq[v];
}

GMM_AVX2 gmm_status gmm_logprob32_full_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                            const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                            const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                            double *GMM_RESTRICT logp, size_t ldl) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    float *U = work, *mu = work + d * d;
    const size_t nvec = Bp / 8;
    for (size_t k = 0; k < K; k++) {
        for (size_t q = 0; q < d * d; q++) U[q] = (float)prec_chol[k * d * d + q];
        for (size_t i = 0; i < d; i++) mu[i] = (float)means[k * d + i];
        double *out = logp + k * ldl;
        __m256 sq[3];
        size_t v = 0;
        for (; v + 3 <= nvec; v += 3) {
            full32_tile(Xt + 8 * v, ldx, d, mu, U, sq, 3);
            for (int q = 0; q < 3; q++) store_logp(out + 8 * (v + q), log_norm[k], sq[q]);
        }
        for (; v < nvec; v++) {
            full32_tile(Xt + 8 * v, ldx, d, mu, U, sq, 1);
            store_logp(out + 8 * v, log_norm[k], sq[0]);
        }
    }
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_logprob32_diag_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                            const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                            const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                            double *GMM_RESTRICT logp, size_t ldl) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    float *mu = work, *p = work + d;
    for (size_t k = 0; k < K; k++) {
        for (size_t i = 0; i < d; i++) { mu[i] = (float)means[k * d + i]; p[i] = (float)prec_chol[k * d + i]; }
        double *out = logp + k * ldl;
        size_t n = 0;
        for (; n + 32 <= Bp; n += 32) {
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (size_t i = 0; i < d; i++) {
                const __m256 m = _mm256_broadcast_ss(mu + i), q = _mm256_broadcast_ss(p + i);
                for (int v = 0; v < 4; v++) {
                    __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(Xt + i * ldx + n + 8 * v), m), q);
                    acc[v] = _mm256_fmadd_ps(t, t, acc[v]);
                }
            }
            for (int v = 0; v < 4; v++) store_logp(out + n + 8 * v, log_norm[k], acc[v]);
        }
        for (; n < Bp; n += 8) {
            __m256 acc = _mm256_setzero_ps();
            for (size_t i = 0; i < d; i++) {
                __m256 t = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(Xt + i * ldx + n), _mm256_broadcast_ss(mu + i)),
                                         _mm256_broadcast_ss(p + i));
                acc = _mm256_fmadd_ps(t, t, acc);
            }
            store_logp(out + n, log_norm[k], acc);
        }
    }
    return GMM_OK;
}

/* gamma (double) -> float, 8 at a time. */
GMM_AVX2_INLINE void narrow(const double *g, size_t Bp, float *g32) {
    for (size_t n = 0; n < Bp; n += 8) {
        __m128 lo = _mm256_cvtpd_ps(_mm256_loadu_pd(g + n)), hi = _mm256_cvtpd_ps(_mm256_loadu_pd(g + n + 4));
        _mm256_storeu_ps(g32 + n, _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1));
    }
}

/* W = g * (x - s) for one row; returns its float32 sum (8 lanes) folded to double. */
GMM_AVX2_INLINE double weight_row32(const float *x, const float *g, float s, size_t Bp, float *w) {
    const __m256 m = _mm256_set1_ps(s);
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    size_t n = 0;
    for (; n + 16 <= Bp; n += 16)
        for (int q = 0; q < 2; q++) {
            __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + n + 8 * q), m), _mm256_loadu_ps(g + n + 8 * q));
            _mm256_storeu_ps(w + n + 8 * q, v);
            acc[q] = _mm256_add_ps(acc[q], v);
        }
    for (; n < Bp; n += 8) {
        __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(x + n), m), _mm256_loadu_ps(g + n));
        _mm256_storeu_ps(w + n, v);
        acc[0] = _mm256_add_ps(acc[0], v);
    }
    return hsum8(_mm256_add_ps(acc[0], acc[1]));
}

/* S2[i+r][j+c] += sum W[i+r] (X[j+c] - s[j+c]) over the block (2 x C float32 tile). */
GMM_AVX2_INLINE void s2_tile32(const float *W, const float *X, const float *s, size_t ldx, size_t nvec, size_t d,
                               size_t i, size_t j, double *S2, const int R, const int C) {
    __m256 acc[2][4];
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_ps();
    __m256 m[4];
    for (int c = 0; c < C; c++) m[c] = _mm256_broadcast_ss(s + j + c);
    const float *w0 = W, *w1 = W + (R > 1 ? ldx : 0);
    for (size_t v = 0; v < nvec; v++) {
        __m256 a0 = _mm256_loadu_ps(w0 + 8 * v), a1 = _mm256_loadu_ps(w1 + 8 * v);
        for (int c = 0; c < C; c++) {
            __m256 b = _mm256_sub_ps(_mm256_loadu_ps(X + (j + c) * ldx + 8 * v), m[c]);
            acc[0][c] = _mm256_fmadd_ps(a0, b, acc[0][c]);
            if (R > 1) acc[1][c] = _mm256_fmadd_ps(a1, b, acc[1][c]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
            if (j + c >= i + r) S2[(i + r) * d + j + c] += hsum8(acc[r][c]);
}

GMM_AVX2 gmm_status gmm_accum32_full_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                          const double *GMM_RESTRICT gamma, size_t ldg,
                                          const double *GMM_RESTRICT shift, float *GMM_RESTRICT work,
                                          double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 8;
    float *g32 = work, *W = work + ldx, *s = work + 3 * ldx;
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        nk[k] += gmm_sum_padded(g, Bp);
        narrow(g, Bp, g32);
        for (size_t i = 0; i < d; i++) s[i] = (float)shift[k * d + i];
        double *S2 = s2 + k * d * d;
        for (size_t i = 0; i < d; i += 2) {
            const int R = (i + 1 < d) ? 2 : 1;
            for (int r = 0; r < R; r++) s1[k * d + i + r] += weight_row32(Xt + (i + r) * ldx, g32, s[i + r], Bp, W + r * ldx);
            size_t j = i;
            for (; j + 4 <= d; j += 4) {
                if (R == 2) s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 2, 4);
                else s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 1, 4);
            }
            const size_t rest = d - j;
            if (rest == 3) { if (R == 2) s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 2, 3); else s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 1, 3); }
            if (rest == 2) { if (R == 2) s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 2, 2); else s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 1, 2); }
            if (rest == 1) { if (R == 2) s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 2, 1); else s2_tile32(W, Xt, s, ldx, nvec, d, i, j, S2, 1, 1); }
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
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        nk[k] += gmm_sum_padded(g, Bp);
        narrow(g, Bp, g32);
        for (size_t i = 0; i < d; i++) {
            const __m256 m = _mm256_set1_ps((float)shift[k * d + i]);
            const float *x = Xt + i * ldx;
            __m256 a1[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()}, a2[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
            size_t n = 0;
            for (; n + 16 <= Bp; n += 16)
                for (int q = 0; q < 2; q++) {
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
            s1[k * d + i] += hsum8(_mm256_add_ps(a1[0], a1[1]));
            s2[k * d + i] += hsum8(_mm256_add_ps(a2[0], a2[1]));
        }
    }
    return GMM_OK;
}

/* Pass 2 of the log-sum-exp (lse_avx2.h) with float32 exponentials: the float64 differences
 * logp - mx are narrowed, exponentiated 8 at a time, widened back in place, and summed in
 * float32 (in k order, as the reference). nv counts 4-point vectors and is even. */
GMM_AVX2_INLINE __m256 exp8_at(double *GMM_RESTRICT p, const double *GMM_RESTRICT mx) {
    __m128 x0 = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_loadu_pd(p), _mm256_loadu_pd(mx)));
    __m128 x1 = _mm256_cvtpd_ps(_mm256_sub_pd(_mm256_loadu_pd(p + 4), _mm256_loadu_pd(mx + 4)));
    __m256 e = gmm_vexp_ps(_mm256_insertf128_ps(_mm256_castps128_ps256(x0), x1, 1));
    _mm256_storeu_pd(p, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
    _mm256_storeu_pd(p + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    return e;
}

GMM_AVX2_INLINE void lse32_exp_pass(double *GMM_RESTRICT logp, size_t ldl, size_t nv, size_t K,
                                    const double *GMM_RESTRICT mx, double *GMM_RESTRICT sum) {
    size_t v = 0;
    for (; v + 4 <= nv; v += 4) {  /* two chains of 8 points */
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (size_t k = 0; k < K; k++) {
            double *p = logp + k * ldl + 4 * v;
            s0 = _mm256_add_ps(s0, exp8_at(p, mx + 4 * v));
            s1 = _mm256_add_ps(s1, exp8_at(p + 8, mx + 4 * v + 8));
        }
        _mm256_storeu_pd(sum + 4 * v, _mm256_cvtps_pd(_mm256_castps256_ps128(s0)));
        _mm256_storeu_pd(sum + 4 * v + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(s0, 1)));
        _mm256_storeu_pd(sum + 4 * v + 8, _mm256_cvtps_pd(_mm256_castps256_ps128(s1)));
        _mm256_storeu_pd(sum + 4 * v + 12, _mm256_cvtps_pd(_mm256_extractf128_ps(s1, 1)));
    }
    for (; v < nv; v += 2) {
        __m256 s0 = _mm256_setzero_ps();
        for (size_t k = 0; k < K; k++) s0 = _mm256_add_ps(s0, exp8_at(logp + k * ldl + 4 * v, mx + 4 * v));
        _mm256_storeu_pd(sum + 4 * v, _mm256_cvtps_pd(_mm256_castps256_ps128(s0)));
        _mm256_storeu_pd(sum + 4 * v + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(s0, 1)));
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
