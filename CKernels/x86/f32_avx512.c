/* AVX-512 float32 E-step kernels: the AVX2 kernels' per-point arithmetic (f32_avx2.c) on 16
 * points per vector, so their log-densities equal the AVX2 kernels' bit for bit. Blocks are
 * padded to 8 points: a block's last vector may be half full (masked loads and stores).
 * full: V vectors (up to 2: the squared norms stay within the contract's 32 floats of work
 * past U and b) x NC columns of U (up to 6), 12 accumulator chains of 16 lanes; diag: 4
 * components x V vectors (up to 4). */
#include <immintrin.h>
#include "gmm_f32.h"
#include "vmath_avx2.h"

#define GMM_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#define GMM_AVX512_INLINE __attribute__((target("avx512f,avx512vl,avx512dq,fma"), always_inline)) static inline

/* Stores c - 1/2 sq for the lanes of m (16 floats, as doubles), as the AVX2 store_logp. */
GMM_AVX512_INLINE void store_logp512(double *out, double c, __m512 sq, __mmask16 m) {
    const __m512d cc = _mm512_set1_pd(c), half = _mm512_set1_pd(0.5);
    _mm512_mask_storeu_pd(out, (__mmask8)(m & 0xFF), _mm512_fnmadd_pd(half, _mm512_cvtps_pd(_mm512_castps512_ps256(sq)), cc));
    _mm512_mask_storeu_pd(out + 8, (__mmask8)(m >> 8),
                          _mm512_fnmadd_pd(half, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(sq), 1))), cc));
}

GMM_AVX512_INLINE void full32_cols512(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT b,
                                      const float *GMM_RESTRICT U, size_t j, float *GMM_RESTRICT sq, const int V,
                                      const int NC, const __mmask16 last) {
    __m512 y[6][2];
    for (int c = 0; c < NC; c++) {
        const __m512 bc = _mm512_set1_ps(b[j + c]);
        for (int v = 0; v < V; v++) y[c][v] = bc;
    }
    for (size_t i = 0; i <= j; i++) {
        __m512 u[6];
        for (int c = 0; c < NC; c++) u[c] = _mm512_set1_ps(U[i * d + j + c]);
        for (int v = 0; v < V; v++) {
            const __m512 x = _mm512_maskz_loadu_ps(v == V - 1 ? last : (__mmask16)0xFFFF, X + i * ldx + 16 * v);
            for (int c = 0; c < NC; c++) y[c][v] = _mm512_fmadd_ps(x, u[c], y[c][v]);
        }
    }
    for (int e = 1; e < NC; e++) {
        const size_t i = j + e;
        for (int v = 0; v < V; v++) {
            const __m512 x = _mm512_maskz_loadu_ps(v == V - 1 ? last : (__mmask16)0xFFFF, X + i * ldx + 16 * v);
            for (int c = e; c < NC; c++) y[c][v] = _mm512_fmadd_ps(x, _mm512_set1_ps(U[i * d + j + c]), y[c][v]);
        }
    }
    for (int v = 0; v < V; v++) {
        const __mmask16 m = v == V - 1 ? last : (__mmask16)0xFFFF;
        __m512 t = _mm512_maskz_loadu_ps(m, sq + 16 * v);
        for (int c = 0; c < NC; c++) t = _mm512_fmadd_ps(y[c][v], y[c][v], t);
        _mm512_mask_storeu_ps(sq + 16 * v, m, t);
    }
}

GMM_AVX512_INLINE void full32_tile512(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT b,
                                      const float *GMM_RESTRICT U, float *GMM_RESTRICT sq, double c,
                                      double *GMM_RESTRICT out, const int V, const __mmask16 last) {
    for (int v = 0; v < V; v++) _mm512_mask_storeu_ps(sq + 16 * v, v == V - 1 ? last : (__mmask16)0xFFFF, _mm512_setzero_ps());
    size_t j = 0;
#define FC(nc) full32_cols512(X, ldx, d, b, U, j, sq, V, nc, last)
    for (; j + 6 <= d; j += 6) FC(6);
    switch (d - j) {
    case 5: FC(5); break;
    case 4: FC(4); break;
    case 3: FC(3); break;
    case 2: FC(2); break;
    case 1: FC(1); break;
    default: break;
    }
#undef FC
    for (int v = 0; v < V; v++) {
        const __mmask16 m = v == V - 1 ? last : (__mmask16)0xFFFF;
        store_logp512(out + 16 * v, c, _mm512_maskz_loadu_ps(m, sq + 16 * v), m);
    }
}

GMM_AVX512 gmm_status gmm_logprob32_full_avx512(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                                const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                                const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                                double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    float *U = work, *b = work + d * d, *sq = b + d;
    const size_t nvec = (Bp + 15) / 16;
    const __mmask16 tail = (Bp % 16) ? (__mmask16)0x00FF : (__mmask16)0xFFFF;
    gmm_prefetcher pf = gmm_prefetcher_start(next, K * ((nvec + 1) / 2));
    for (size_t k = 0; k < K; k++) {
        const double *Uk = prec_chol + k * d * d, *mu = means + k * d;
        for (size_t q = 0; q < d * d; q++) U[q] = (float)Uk[q];
        for (size_t j = 0; j < d; j++) {  /* as the AVX2 kernel */
            double t = 0.0;
            for (size_t i = 0; i <= j; i++) t -= mu[i] * Uk[i * d + j];
            b[j] = (float)t;
        }
        double *out = logp + k * ldl;
        for (size_t v = 0; v < nvec; v += 2) {
            const int V = nvec - v < 2 ? 1 : 2;
            const __mmask16 last = v + (size_t)V == nvec ? tail : (__mmask16)0xFFFF;
            gmm_prefetcher_step(&pf);
#define FT(w) full32_tile512(Xt + 16 * v, ldx, d, b, U, sq, log_norm[k], out + 16 * v, w, last)
            if (V == 2) FT(2); else FT(1);
#undef FT
        }
    }
    return GMM_OK;
}

GMM_AVX512_INLINE void diag32_tile512(const float *GMM_RESTRICT X, size_t ldx, size_t d, const float *GMM_RESTRICT P,
                                      const float *GMM_RESTRICT Bc, const double *GMM_RESTRICT log_norm,
                                      double *GMM_RESTRICT out, size_t ldl, const int C, const int V, const __mmask16 last) {
    __m512 acc[4][4];
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++) acc[c][v] = _mm512_setzero_ps();
    for (size_t i = 0; i < d; i++) {
        __m512 x[4];
        for (int v = 0; v < V; v++) x[v] = _mm512_maskz_loadu_ps(v == V - 1 ? last : (__mmask16)0xFFFF, X + i * ldx + 16 * v);
        for (int c = 0; c < C; c++) {
            const __m512 p = _mm512_set1_ps(P[c * d + i]), b = _mm512_set1_ps(Bc[c * d + i]);
            for (int v = 0; v < V; v++) {
                const __m512 t = _mm512_fmadd_ps(x[v], p, b);
                acc[c][v] = _mm512_fmadd_ps(t, t, acc[c][v]);
            }
        }
    }
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++)
            store_logp512(out + c * ldl + 16 * v, log_norm[c], acc[c][v], v == V - 1 ? last : (__mmask16)0xFFFF);
}

GMM_AVX512 gmm_status gmm_logprob32_diag_avx512(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                                const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                                const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                                double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = (Bp + 15) / 16;
    const __mmask16 tail = (Bp % 16) ? (__mmask16)0x00FF : (__mmask16)0xFFFF;
    gmm_prefetcher pf = gmm_prefetcher_start(next, ((K + 3) / 4) * ((nvec + 3) / 4));
    float *P = work, *Bc = work + 4 * d;  /* as the AVX2 kernel */
    for (size_t k0 = 0; k0 < K; k0 += 4) {
        const int C = (int)(K - k0 < 4 ? K - k0 : 4);
        for (size_t q = 0; q < (size_t)C * d; q++) {
            P[q] = (float)prec_chol[k0 * d + q];
            Bc[q] = (float)(-means[k0 * d + q] * prec_chol[k0 * d + q]);
        }
        double *out = logp + k0 * ldl;
        for (size_t v = 0; v < nvec; v += 4) {
            const int V = nvec - v < 4 ? (int)(nvec - v) : 4;
            const __mmask16 last = v + (size_t)V == nvec ? tail : (__mmask16)0xFFFF;
            gmm_prefetcher_step(&pf);
#define DT(c, w) diag32_tile512(Xt + 16 * v, ldx, d, P, Bc, log_norm + k0, out + 16 * v, ldl, c, w, last)
#define DT_V(c) do { if (V == 4) DT(c, 4); else if (V == 3) DT(c, 3); else if (V == 2) DT(c, 2); else DT(c, 1); } while (0)
            if (C == 4) DT_V(4); else if (C == 3) DT_V(3); else if (C == 2) DT_V(2); else DT_V(1);
#undef DT_V
#undef DT
        }
    }
    return GMM_OK;
}

/* float32 full statistics: the AVX2 kernel with 6 weighted rows per tile instead of 3 (24
 * accumulators of 8 floats in the 32 registers of AVX-512VL): its bits (f32_accum_simd.h). */
#define A32_RMAX 6
#define A32_INLINE GMM_AVX512_INLINE
#define A32_FN GMM_AVX512
#define A32_NAME(x) x##_avx512
#include "f32_accum_simd.h"
