/* AVX2/FMA truncated E-step: 4 lanes (trunc_simd.h; contract in gmm_trunc.h). */
#include <immintrin.h>
#include <math.h>
#include "gmm_trunc.h"
#include "vmath_avx2.h"

#define TW 4
#define TV __m256d
#define TM int
#define T_ALL 0
#define T_GROUP_MASK(g) 0
#define T_FN __attribute__((target("avx2,fma")))
#define T_NAME(x) x##_avx2
#define T_LOAD(p, m) ((void)(m), _mm256_loadu_pd(p))
#define T_STORE(p, m, v) ((void)(m), _mm256_storeu_pd((p), (v)))
#define T_LOADU(p) _mm256_loadu_pd(p)
#define T_STOREU(p, v) _mm256_storeu_pd((p), (v))
#define T_SET1(x) _mm256_set1_pd(x)
#define T_FMA(a, b, c) _mm256_fmadd_pd((a), (b), (c))
#define T_SUB(a, b) _mm256_sub_pd((a), (b))
#define T_MUL(a, b) _mm256_mul_pd((a), (b))
#define T_ADD(a, b) _mm256_add_pd((a), (b))
#define T_MAX(a, b) _mm256_max_pd((a), (b))
#define T_ANY_GE(a, b) _mm256_movemask_pd(_mm256_cmp_pd((a), (b), _CMP_GE_OQ))
#define T_GT_BLEND(u, bu, v, bv) _mm256_blendv_pd((bv), (v), _mm256_cmp_pd((u), (bu), _CMP_GT_OQ))
#define T_DIV(a, b) _mm256_div_pd((a), (b))
#define T_GE_ZERO(a, b, v) _mm256_and_pd((v), _mm256_cmp_pd((a), (b), _CMP_GE_OQ))
static inline __attribute__((target("avx2,fma"))) __m256d exp4(__m256d x) {
    __m256d r, kt;
    gmm_vexp_reduce(x, &r, &kt);
    return gmm_vexp_finish(r, kt);
}
#define T_EXP(x) exp4(x)
#include "trunc_simd.h"

T_FN GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_full_avx2) {
    return trunc_avx2(1, Xt, ldx, B, d, K, means, prec_chol, log_norm, log_tau, work, logp, ldl, active, count, lanes, hint);
}

T_FN GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_diag_avx2) {
    return trunc_avx2(0, Xt, ldx, B, d, K, means, prec_chol, log_norm, log_tau, work, logp, ldl, active, count, lanes, hint);
}
