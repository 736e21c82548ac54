/* AVX-512 E-step kernels (AVX-512 F/VL/DQ). Same contracts as the reference twins in
 * ref/estep_ref.c and the same per-point arithmetic as the AVX2 kernels in estep_avx2.c (each
 * lane runs the same FMAs in the same order), so their log-densities equal the AVX2 kernels'
 * bit for bit; only the width and the register tile change.
 *
 * diag: C components x V vectors of 8 points (4 x 4 at most): per feature t = x p - mu p
 * (one FMA) then acc += t t; 16 accumulator chains use half of the 32 registers, each loaded
 * vector of points serves four components. The last vector of a block may be half full
 * (blocks are padded to 4 points): masked loads and stores cover it. */
#include <immintrin.h>
#include "gmm_estep.h"

#define GMM_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#define GMM_AVX512_INLINE __attribute__((target("avx512f,avx512vl,avx512dq,fma"), always_inline)) static inline

GMM_AVX512_INLINE void diag_tile512(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT P,
                                    const double *GMM_RESTRICT Bc, const double *GMM_RESTRICT log_norm,
                                    double *GMM_RESTRICT out, size_t ldl, const int C, const int V, const __mmask8 last) {
    __m512d acc[4][4];
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++) acc[c][v] = _mm512_setzero_pd();
    for (size_t i = 0; i < d; i++) {
        __m512d x[4];
        for (int v = 0; v < V; v++) x[v] = _mm512_maskz_loadu_pd(v == V - 1 ? last : (__mmask8)0xFF, X + i * ldx + 8 * v);
        for (int c = 0; c < C; c++) {
            const __m512d p = _mm512_set1_pd(P[c * d + i]), b = _mm512_set1_pd(Bc[c * d + i]);
            for (int v = 0; v < V; v++) {
                const __m512d t = _mm512_fmadd_pd(x[v], p, b);
                acc[c][v] = _mm512_fmadd_pd(t, t, acc[c][v]);
            }
        }
    }
    const __m512d half = _mm512_set1_pd(0.5);
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++)
            _mm512_mask_storeu_pd(out + c * ldl + 8 * v, v == V - 1 ? last : (__mmask8)0xFF,
                                  _mm512_fnmadd_pd(half, acc[c][v], _mm512_set1_pd(log_norm[c])));
}

GMM_AVX512 gmm_status gmm_logprob_diag_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                              size_t d, size_t K, const double *GMM_RESTRICT means,
                                              const double *GMM_RESTRICT prec_chol,
                                              const double *GMM_RESTRICT log_norm,
                                              double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                              size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = (Bp + 7) / 8;  /* the last one half full when Bp is not a multiple of 8 */
    const __mmask8 tail = (Bp % 8) ? (__mmask8)0x0F : (__mmask8)0xFF;
    /* The prefetch hint: a few of the next block's lines per tile, as the AVX2 kernels do. */
    const char *pf = next ? (const char *)next->addr : 0;
    size_t pf_left = next ? next->bytes : 0;
    const size_t tiles = ((K + 3) / 4) * ((nvec + 3) / 4);
    const size_t pf_step = tiles ? ((pf_left / 64 + tiles - 1) / tiles) * 64 : 0;
    double *Bc = work;
    for (size_t k0 = 0; k0 < K; k0 += 4) {
        const int C = (int)(K - k0 < 4 ? K - k0 : 4);
        const double *P = prec_chol + k0 * d;
        for (size_t q = 0; q < (size_t)C * d; q++) Bc[q] = -means[k0 * d + q] * P[q];
        double *out = logp + k0 * ldl;
        for (size_t v = 0; v < nvec; v += 4) {
            const int V = nvec - v < 4 ? (int)(nvec - v) : 4;
            const __mmask8 last = v + (size_t)V == nvec ? tail : (__mmask8)0xFF;
            for (size_t o = 0; o < pf_step && pf_left > 0; o += 64, pf += 64, pf_left = pf_left > 64 ? pf_left - 64 : 0)
                _mm_prefetch(pf, _MM_HINT_T0);
#define DT(c, w) diag_tile512(Xt + 8 * v, ldx, d, P, Bc, log_norm + k0, out + 8 * v, ldl, c, w, last)
#define DT_V(c) do { if (V == 4) DT(c, 4); else if (V == 3) DT(c, 3); else if (V == 2) DT(c, 2); else DT(c, 1); } while (0)
            if (C == 4) DT_V(4); else if (C == 3) DT_V(3); else if (C == 2) DT_V(2); else DT_V(1);
#undef DT_V
#undef DT
        }
    }
    return GMM_OK;
}
