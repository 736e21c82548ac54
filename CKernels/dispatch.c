/* Registration: fill every slot with the reference kernel, then let the tuned table override
 * it once, on first use: AVX-512, else AVX2, else the reference. GMM_ISA=ref|avx2|avx512
 * forces one (an unavailable choice falls back to the next narrower). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "gmm_dispatch.h"

static const gmm_kernel_table ref_table = {
    .isa = "ref",
    .load_f64 = gmm_load_block_f64_ref,
    .load_f32 = gmm_load_block_f32_ref,
    .logprob = {gmm_logprob_full_ref, gmm_logprob_diag_ref},
    .lse = gmm_lse_resp_ref,
    .hard = gmm_hard_assign_ref,
    .accum = {gmm_accum_full_ref, gmm_accum_diag_ref},
    .moments = {gmm_moments_full_ref, gmm_moments_diag_ref},
    .load32 = gmm_load32_ref,
    .logprob32 = {gmm_logprob32_full_ref, gmm_logprob32_diag_ref},
    .lse32 = gmm_lse32_ref,
    .accum32 = {gmm_accum32_full_ref, gmm_accum32_diag_ref},
    .linear_logprob = gmm_linear_logprob_ref,
    .linear_accum = gmm_linear_accum_ref,
    .logprob_trunc = {gmm_logprob_trunc_full_ref, gmm_logprob_trunc_diag_ref},
    .trunc_resp = gmm_trunc_resp_ref,
    .trunc_accum = gmm_trunc_accum_ref,
};

static const gmm_kernel_table *active_table = &ref_table;
static pthread_once_t active_once = PTHREAD_ONCE_INIT;

static void choose_table(void) {
    const char *want = getenv("GMM_ISA");
    if (want && strcmp(want, "ref") == 0) return;
    /* AVX-512 unless GMM_ISA=avx2: its twins give the AVX2 kernels' results bit for bit and
     * are faster even on Zen 4, whose 512-bit FMAs run at the 256-bit rate (BENCHMARKS.md). */
    const gmm_kernel_table *avx512 = want && strcmp(want, "avx2") == 0 ? 0 : gmm_kernels_avx512();
    const gmm_kernel_table *avx2 = gmm_kernels_avx2();
    if (avx512) active_table = avx512;
    else if (avx2) active_table = avx2;
}

const gmm_kernel_table *gmm_kernels_ref(void) { return &ref_table; }

const gmm_kernel_table *gmm_kernels_active(void) {
    pthread_once(&active_once, choose_table);
    return active_table;
}
