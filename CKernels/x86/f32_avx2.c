/* AVX2/FMA float32 kernels, 8 lanes (see gmm_f32.h; twins of ref/f32_ref.c). */
#include <math.h>
#include "gmm_f32.h"
#include "vmath_avx2.h"
#include "lse_avx2.h"

GMM_AVX2_INLINE double hsum8(__m256 v) {
    __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    return gmm_hsum(_mm256_add_pd(a, b));
}

/* The eight horizontal sums of a0..a7 as one vector (float adds: a transpose by hadd). */
GMM_AVX2_INLINE __m256 hsum8x8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6, __m256 a7) {
    const __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    const __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

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

/* The float32 moments run with subnormals flushed to zero (MXCSR FTZ and DAZ, restored on
 * return): responsibilities below FLT_MIN and the products they make are subnormal, and each
 * subnormal operand or result costs a microcode assist: a 100k x 64, K = 32 float32 pass ran
 * 16x slower (4.6 s against 0.28 s per iteration, 90 % of it here). What is flushed is below
 * 1.2e-38 in the data's scaled coordinates: far under float32's own rounding of any sum it
 * enters (Nk is summed from the double responsibilities, unflushed). */
#define GMM_FTZ_DAZ 0x8040u
GMM_AVX2_INLINE unsigned flush_subnormals(void) {
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | GMM_FTZ_DAZ);
    return csr;
}

/* gamma (double) -> float, 8 at a time. */
GMM_AVX2_INLINE void narrow(const double *g, size_t Bp, float *g32) {
    for (size_t n = 0; n < Bp; n += 8) {
        __m128 lo = _mm256_cvtpd_ps(_mm256_loadu_pd(g + n)), hi = _mm256_cvtpd_ps(_mm256_loadu_pd(g + n + 4));
        _mm256_storeu_ps(g32 + n, _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1));
    }
}

/* W_r = g * (x_r - s_r) for R (1..3) rows at once (one load of g serves all), and their
 * float32 sums (two chains per row, 8 lanes) folded to double into w1. */
GMM_AVX2_INLINE void weight_rows32(const float *X, size_t ldx, const float *g, const float *sh, size_t Bp, float *W,
                                   double *w1, const int R) {
    __m256 m[3], acc[3][2];
    for (int r = 0; r < R; r++) {
        m[r] = _mm256_set1_ps(sh[r]);
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    }
    size_t n = 0;
    for (; n + 16 <= Bp; n += 16)
        for (int q = 0; q < 2; q++) {
            const __m256 gv = _mm256_loadu_ps(g + n + 8 * q);
            for (int r = 0; r < R; r++) {
                const __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(X + r * ldx + n + 8 * q), m[r]), gv);
                _mm256_storeu_ps(W + r * ldx + n + 8 * q, v);
                acc[r][q] = _mm256_add_ps(acc[r][q], v);
            }
        }
    for (; n < Bp; n += 8) {
        const __m256 gv = _mm256_loadu_ps(g + n);
        for (int r = 0; r < R; r++) {
            const __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(X + r * ldx + n), m[r]), gv);
            _mm256_storeu_ps(W + r * ldx + n, v);
            acc[r][0] = _mm256_add_ps(acc[r][0], v);
        }
    }
    for (int r = 0; r < R; r++) w1[r] = hsum8(_mm256_add_ps(acc[r][0], acc[r][1]));
}

/* T[r][c] = sum over the block of W[i+r] X[j+c] (raw columns: no centring on the fly) from a
 * 3 x 4 float32 register tile, 12 independent accumulators: 7 loads per 12 FMAs. */
GMM_AVX2_INLINE void s2_tile32(const float *W, const float *X, size_t ldx, size_t nvec, size_t j, double T[3][4],
                               const int R, const int C) {
    __m256 acc[3][4];
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_ps();
    for (size_t v = 0; v < nvec; v++) {
        __m256 a[3];
        for (int r = 0; r < R; r++) a[r] = _mm256_loadu_ps(W + r * ldx + 8 * v);
        for (int c = 0; c < C; c++) {
            const __m256 b = _mm256_loadu_ps(X + (j + c) * ldx + 8 * v);
            for (int r = 0; r < R; r++) acc[r][c] = _mm256_fmadd_ps(a[r], b, acc[r][c]);
        }
    }
    /* Lane sums of all 12 accumulators in two 8-way folds (float), not 12 separate ones. */
    const __m256 z = _mm256_setzero_ps();
    float sums[16];
    _mm256_storeu_ps(sums, hsum8x8(acc[0][0], acc[0][1], acc[0][2], acc[0][3], acc[1][0], acc[1][1], acc[1][2], acc[1][3]));
    _mm256_storeu_ps(sums + 8, hsum8x8(acc[2][0], acc[2][1], acc[2][2], acc[2][3], z, z, z, z));
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) T[r][c] = sums[4 * r + c];
}

/* Per component: rows weighted three at a time, W = g (x - s) (their sums are S1), then
 * sum W_i (x_j - s_j) = sum W_i x_j - s_j S1_i: the tiles read the block's rows as they are,
 * so the column side needs no centring pass or shift registers. The raw x_j are centred on
 * the driver's centre, near the means, so the products stay of the data's spread. */
GMM_AVX2 gmm_status gmm_accum32_full_avx2(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                          const double *GMM_RESTRICT gamma, size_t ldg,
                                          const double *GMM_RESTRICT shift, float *GMM_RESTRICT work,
                                          double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 8;
    float *g32 = work, *W = work + ldx;  /* g32: 1 row, W: 3 rows (work holds d*d + 3*ldx + 2*d) */
    const unsigned csr = flush_subnormals();
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg, *s = shift + k * d;
        nk[k] += gmm_sum_padded(g, Bp);
        narrow(g, Bp, g32);
        double *S2 = s2 + k * d * d;
        for (size_t i = 0; i < d; i += 3) {
            const int R = (int)(d - i < 3 ? d - i : 3);
            const float sh[3] = {(float)s[i], R > 1 ? (float)s[i + 1] : 0.0f, R > 2 ? (float)s[i + 2] : 0.0f};
            double w1[3];
            if (R == 3) weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 3);
            else if (R == 2) weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 2);
            else weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 1);
            for (int r = 0; r < R; r++) s1[k * d + i + r] += w1[r];
            for (size_t j = i; j < d; j += 4) {
                const int C = (int)(d - j < 4 ? d - j : 4);
                double T[3][4];
#define TILE(r, c) s2_tile32(W, Xt, ldx, nvec, j, T, r, c)
                if (R == 3) { if (C == 4) TILE(3, 4); else if (C == 3) TILE(3, 3); else if (C == 2) TILE(3, 2); else TILE(3, 1); }
                else if (R == 2) { if (C == 4) TILE(2, 4); else if (C == 3) TILE(2, 3); else if (C == 2) TILE(2, 2); else TILE(2, 1); }
                else { if (C == 4) TILE(1, 4); else if (C == 3) TILE(1, 3); else if (C == 2) TILE(1, 2); else TILE(1, 1); }
#undef TILE
                for (int r = 0; r < R; r++)
                    for (int c = 0; c < C; c++)
                        if (j + c >= i + (size_t)r) S2[(i + r) * d + j + c] += T[r][c] - s[j + c] * w1[r];
            }
        }
    }
    _mm_setcsr(csr);
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
