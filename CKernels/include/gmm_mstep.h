/* M-step kernels: weighted sufficient statistics of a block, accumulated about a shift.
 *
 * For component k with shift s_k (normally the means the E-step used), the kernels add
 *   nk[k]               += sum_n g_nk
 *   s1[k*d + i]         += sum_n g_nk (x_ni - s_ki)
 *   s2 full: s2[k*d*d + i*d + j] += sum_n g_nk (x_ni - s_ki)(x_nj - s_kj), j >= i only
 *   s2 diag: s2[k*d + i]          += sum_n g_nk (x_ni - s_ki)^2
 * Centring on a shift close to the new mean keeps the one-pass second moment free of the
 * cancellation of sum x x^T - N mu mu^T.  gamma is laid out as in gmm_lse_fn (columns >= B
 * are zero). work: 2*d*ldx doubles of scratch. */
#ifndef GMM_MSTEP_H
#define GMM_MSTEP_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef gmm_status (*gmm_accum_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                   size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                   const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                                   double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                                   double *GMM_RESTRICT s2);

gmm_status gmm_accum_full_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                              size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                              const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                              double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                              double *GMM_RESTRICT s2);
gmm_status gmm_accum_diag_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                              size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                              const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                              double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                              double *GMM_RESTRICT s2);
gmm_status gmm_accum_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                               size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                               const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                               double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                               double *GMM_RESTRICT s2);
gmm_status gmm_accum_diag_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                               size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                               const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                               double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                               double *GMM_RESTRICT s2);

#ifdef __cplusplus
}
#endif
#endif
