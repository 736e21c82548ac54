/* CPU detection and the AVX2 and AVX-512 kernel tables. */
#include <pthread.h>
#include "gmm_dispatch.h"

static const gmm_kernel_table avx2_table = {
    .isa = "avx2",
    .load_f64 = gmm_load_block_f64_avx2,
    .load_f32 = gmm_load_block_f32_avx2,
    .logprob = {gmm_logprob_full_avx2, gmm_logprob_diag_avx2},
    .lse = gmm_lse_resp_avx2,
    .hard = gmm_hard_assign_avx2,
    .accum = {gmm_accum_full_avx2, gmm_accum_diag_avx2},
    .moments = {gmm_moments_full_avx2, gmm_moments_diag_avx2},
    .load32 = gmm_load32_avx2,
    .logprob32 = {gmm_logprob32_full_avx2, gmm_logprob32_diag_avx2},
    .lse32 = gmm_lse32_avx2,
    .accum32 = {gmm_accum32_full_avx2, gmm_accum32_diag_avx2},
    .linear_logprob = gmm_linear_logprob_avx2,
    .linear_accum = gmm_linear_accum_avx2,
    .logprob_trunc = {gmm_logprob_trunc_full_avx2, gmm_logprob_trunc_diag_avx2},
    .trunc_resp = gmm_trunc_resp_avx2,
    .trunc_accum = gmm_trunc_accum_avx2,
};

static gmm_kernel_table avx512_table;
static pthread_once_t avx512_once = PTHREAD_ONCE_INIT;

static void make_avx512_table(void) {
    avx512_table = avx2_table;
    avx512_table.isa = "avx512";
    avx512_table.logprob[GMM_COV_FULL] = gmm_logprob_full_avx512;
    avx512_table.logprob[GMM_COV_DIAG] = gmm_logprob_diag_avx512;
    avx512_table.lse = gmm_lse_resp_avx512;
    avx512_table.logprob32[GMM_COV_FULL] = gmm_logprob32_full_avx512;
    avx512_table.logprob32[GMM_COV_DIAG] = gmm_logprob32_diag_avx512;
    avx512_table.accum32[GMM_COV_FULL] = gmm_accum32_full_avx512;
    avx512_table.moments[GMM_COV_FULL] = gmm_moments_full_avx512;
    avx512_table.moments[GMM_COV_DIAG] = gmm_moments_diag_avx512;
    avx512_table.logprob_trunc[GMM_COV_FULL] = gmm_logprob_trunc_full_avx512;
    avx512_table.logprob_trunc[GMM_COV_DIAG] = gmm_logprob_trunc_diag_avx512;
    avx512_table.trunc_resp = gmm_trunc_resp_avx512;
    avx512_table.trunc_accum = gmm_trunc_accum_avx512;
}

const gmm_kernel_table *gmm_kernels_avx512(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (gmm_kernels_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq")) {
        pthread_once(&avx512_once, make_avx512_table);
        return &avx512_table;
    }
#endif
    return 0;
}

const gmm_kernel_table *gmm_kernels_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &avx2_table;
#endif
    return 0;
}
