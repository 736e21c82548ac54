/* E-step kernels: weighted log-densities of a block under every component, and the
 * log-sum-exp that turns them into responsibilities and per-point log-likelihoods. */
#ifndef GMM_ESTEP_H
#define GMM_ESTEP_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** logp[k*ldl + n] = log_norm[k] - 1/2 |(x_n - mu_k) U_k|^2 for n < B, k < K.
 *  work: d*ldx doubles of scratch (the block centred on mu_k). Full: U_k upper triangular
 *  (only j >= i is read). Diag: prec_chol holds 1/sigma per feature. next: see gmm_prefetch. */
typedef gmm_status (*gmm_logprob_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                     size_t K, const double *GMM_RESTRICT means,
                                     const double *GMM_RESTRICT prec_chol,
                                     const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                     double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_lse_resp_avx512(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                               double *GMM_RESTRICT lse);

/** In place: logp[k*ldl + n] becomes the responsibility gamma_nk (columns n in [B, ldl) are
 *  set to 0), and lse[n] = log sum_k exp(logp_nk) for n < B. Max-shifted. */
typedef gmm_status (*gmm_lse_fn)(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                 double *GMM_RESTRICT lse);

/** Hard assignment (k-means): in place, logp[k*ldl + n] becomes 1 at the first maximum over k
 *  and 0 elsewhere (0 for every padding column n in [B, ldl)); best[n] is that maximum and
 *  label[n] its component, for n < B. */
typedef gmm_status (*gmm_hard_fn)(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                  double *GMM_RESTRICT best, int32_t *GMM_RESTRICT label);

gmm_status gmm_hard_assign_ref(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                               double *GMM_RESTRICT best, int32_t *GMM_RESTRICT label);
gmm_status gmm_hard_assign_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                double *GMM_RESTRICT best, int32_t *GMM_RESTRICT label);

gmm_status gmm_logprob_full_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT means,
                                const double *GMM_RESTRICT prec_chol,
                                const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_logprob_diag_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT means,
                                const double *GMM_RESTRICT prec_chol,
                                const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_lse_resp_ref(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                            double *GMM_RESTRICT lse);

gmm_status gmm_logprob_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                 size_t K, const double *GMM_RESTRICT means,
                                 const double *GMM_RESTRICT prec_chol,
                                 const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                 double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_logprob_diag_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                 size_t K, const double *GMM_RESTRICT means,
                                 const double *GMM_RESTRICT prec_chol,
                                 const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                 double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_lse_resp_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                             double *GMM_RESTRICT lse);
/* AVX-512 twins (x86/estep_avx512.c): the AVX2 kernels' per-point arithmetic, 8 points per
 * vector, bit-for-bit the AVX2 kernels' results. */
gmm_status gmm_logprob_full_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                   size_t K, const double *GMM_RESTRICT means,
                                   const double *GMM_RESTRICT prec_chol,
                                   const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                   double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_logprob_diag_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                   size_t K, const double *GMM_RESTRICT means,
                                   const double *GMM_RESTRICT prec_chol,
                                   const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                   double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);

#ifdef __cplusplus
}
#endif
#endif
