/* AVX-512 truncated E-step: 8 lanes, masked loads and stores (trunc_simd.h; contract in
 * gmm_trunc.h). */
#include <immintrin.h>
#include <math.h>
#include "gmm_trunc.h"
#include "vmath_avx2.h"

#define TW 8
#define TV __m512d
#define TM __mmask8
#define T_ALL ((__mmask8)0xFF)
/* Blocks are padded to 4 points: a last group past gmm_round4(B) holds 4 (masked). */
#define T_GROUP_MASK(g) ((g) * 8 + 8 <= gmm_round4(B) ? (__mmask8)0xFF : (__mmask8)0x0F)
#define T_FN __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#define T_NAME(x) x##_avx512
#define T_LOAD(p, m) _mm512_maskz_loadu_pd((m), (p))
#define T_STORE(p, m, v) _mm512_mask_storeu_pd((p), (m), (v))
#define T_LOADU(p) _mm512_loadu_pd(p)
#define T_STOREU(p, v) _mm512_storeu_pd((p), (v))
#define T_SET1(x) _mm512_set1_pd(x)
#define T_FMA(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define T_SUB(a, b) _mm512_sub_pd((a), (b))
#define T_MUL(a, b) _mm512_mul_pd((a), (b))
#define T_ADD(a, b) _mm512_add_pd((a), (b))
#define T_MAX(a, b) _mm512_max_pd((a), (b))
#define T_ANY_GE(a, b) ((int)_mm512_cmp_pd_mask((a), (b), _CMP_GE_OQ))
#define T_GT_BLEND(u, bu, v, bv) _mm512_mask_blend_pd(_mm512_cmp_pd_mask((u), (bu), _CMP_GT_OQ), (bv), (v))
#define T_DIV(a, b) _mm512_div_pd((a), (b))
#define T_GE_ZERO(a, b, v) _mm512_maskz_mov_pd(_mm512_cmp_pd_mask((a), (b), _CMP_GE_OQ), (v))
/* The AVX2 exponential on each half: the same operations per lane. */
static inline __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))) __m512d exp8(__m512d x) {
    __m256d r, kt;
    gmm_vexp_reduce(_mm512_castpd512_pd256(x), &r, &kt);
    const __m256d lo = gmm_vexp_finish(r, kt);
    gmm_vexp_reduce(_mm512_extractf64x4_pd(x, 1), &r, &kt);
    return _mm512_insertf64x4(_mm512_castpd256_pd512(lo), gmm_vexp_finish(r, kt), 1);
}
#define T_EXP(x) exp8(x)
#include "trunc_simd.h"

T_FN GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_full_avx512) {
    return trunc_avx512(1, Xt, ldx, B, d, K, means, prec_chol, log_norm, log_tau, work, logp, ldl, active, count, lanes, hint);
}

T_FN GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_diag_avx512) {
    return trunc_avx512(0, Xt, ldx, B, d, K, means, prec_chol, log_norm, log_tau, work, logp, ldl, active, count, lanes, hint);
}
