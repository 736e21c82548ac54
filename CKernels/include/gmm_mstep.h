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

/* Raw moments of a block about its own origin, for every component at once:
 *   nk[k] += sum_n g_nk,   s1[k*d + i] += sum_n g_nk x_ni,
 *   full: s2[k*d*d + i*d + j] += sum_n g_nk x_ni x_nj   (j >= i only),
 *   diag: s2[k*d + i]         += sum_n g_nk x_ni^2.
 * With no per-component shift, the products x_ni x_nj are formed once per block and shared by
 * all K components: the update becomes one matrix product, (K x B) times (B x d(d+3)/2), or
 * (B x 2d) for diagonal covariances.
 * gmm_moments_recentre turns the totals into moments about shifts. That subtraction loses
 * about log10(max_k |(s_k - origin) U_k|^2) digits, so the driver takes this path only when
 * the origin lies within a few standard deviations of every component (GMM_SHARED_ORIGIN_MAX).
 * work: min(6, d(d+1)/2)*ldx doubles of product rows (full; min(6, d) for diag), always within
 * the 2*d*ldx the driver gives every kernel. */
typedef gmm_status (*gmm_moments_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                     size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                     double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                     double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);

/* Largest squared Mahalanobis distance of the shared origin from a component for which the
 * driver uses gmm_moments_fn: at most ~4 of 16 digits lost in the covariances (1e-12 relative). */
#define GMM_SHARED_ORIGIN_MAX 1e4

/** Moments about the origin (from gmm_moments_fn) become moments about shift[k] (same
 *  coordinates): s2 -= s1 s^T + s s1^T - nk s s^T (upper triangle; its diagonal for diag),
 *  then s1 -= nk s. */
void gmm_moments_recentre(gmm_covariance covariance, size_t d, size_t K, const double *GMM_RESTRICT shift,
                          const double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);

gmm_status gmm_moments_full_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);
gmm_status gmm_moments_diag_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);
gmm_status gmm_moments_diag_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                 size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                 double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                 double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);
gmm_status gmm_moments_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                 size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                 double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                 double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);

gmm_status gmm_moments_full_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                   size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                   double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                   double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);
gmm_status gmm_moments_diag_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                   size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                   double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                   double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);
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
