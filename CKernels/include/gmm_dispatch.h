/* Kernel registration: every slot starts as the scalar reference, and the AVX2/FMA kernels
 * override it when the CPU has them. The choice is made once; GMM_ISA=ref forces the
 * reference path (GMM_ISA=avx2 insists on AVX2 and falls back to ref if absent). */
#ifndef GMM_DISPATCH_H
#define GMM_DISPATCH_H
#include "gmm_estep.h"
#include "gmm_mstep.h"
#include "gmm_layout.h"
#include "gmm_f32.h"
#include "gmm_linear.h"
#include "gmm_trunc.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gmm_kernel_table {
    const char *isa;                          /* "ref" or "avx2" */
    gmm_load_block_fn load_f64, load_f32;
    gmm_logprob_fn logprob[GMM_COV_COUNT];
    gmm_lse_fn lse;
    gmm_hard_fn hard;
    gmm_accum_fn accum[GMM_COV_COUNT];
    gmm_moments_fn moments[GMM_COV_COUNT];    /* shared-origin updates (gmm_mstep.h) */
    /* float32 arithmetic for float32 data (gmm_f32.h) */
    gmm_load32_fn load32;
    gmm_logprob32_fn logprob32[GMM_COV_COUNT];
    gmm_lse_fn lse32;
    gmm_accum32_fn accum32[GMM_COV_COUNT];
    /* the linear families: Bernoulli, categorical, Poisson (gmm_linear.h) */
    gmm_linear_logprob_fn linear_logprob;
    gmm_linear_accum_fn linear_accum;
    /* the truncated E-step (gmm_trunc.h) */
    gmm_logprob_trunc_fn logprob_trunc[GMM_COV_COUNT];
    gmm_trunc_resp_fn trunc_resp;
    gmm_trunc_accum_fn trunc_accum;
} gmm_kernel_table;

/** The reference table (always available). */
const gmm_kernel_table *gmm_kernels_ref(void);
/** The AVX2/FMA table, or NULL when this CPU lacks AVX2 or FMA. */
const gmm_kernel_table *gmm_kernels_avx2(void);
/** The AVX-512 table (AVX-512 F/VL/DQ twins where they exist, the AVX2 kernels elsewhere;
 *  today the diagonal E-step and the log-sum-exp), or NULL when this CPU lacks them. */
const gmm_kernel_table *gmm_kernels_avx512(void);
/** The table chosen once at first use: AVX-512 when the CPU has it, else AVX2, else the
 *  reference; GMM_ISA=ref|avx2|avx512 forces one (an unavailable choice falls back to the
 *  next narrower). */
const gmm_kernel_table *gmm_kernels_active(void);

#ifdef __cplusplus
}
#endif
#endif
