/* Kernels of the mixtures whose log-densities are linear in the data: Bernoulli, categorical
 * (over the one-hot coding of its codes) and Poisson. For such a family
 *
 *   log pi_k p(x | k) = b_k + sum_i A_ki x_i  (+ c(x), a per-point term the same for every k)
 *
 *   Bernoulli:   A_ki = log mu_ki - log(1 - mu_ki),  b_k = log pi_k + sum_i log(1 - mu_ki)
 *   categorical: x is the one-hot coding (D = sum_i C_i columns), A_k = log theta_k,
 *                b_k = log pi_k
 *   Poisson:     A_ki = log lambda_ki,  b_k = log pi_k - sum_i lambda_ki,  c(x) = -sum_i log x_i!
 *
 * so the E-step of a block is one matrix product, (K x D) times (D x B), and the M-step needs
 * only sum_n g_nk and sum_n g_nk x_n, another one, (K x B) times (B x D). The log-sum-exp and
 * responsibilities are the Gaussian ones (gmm_estep.h). Block layout as in gmm_types.h: Xt is
 * transposed, D rows of ldx, padding columns [B, round4(B)) finite (zero). */
#ifndef GMM_LINEAR_H
#define GMM_LINEAR_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** logp[k*ldl + n] = b[k] + sum_i A[k*D + i] Xt[i*ldx + n] for n < B (the SIMD kernels also
 *  fill the padding columns up to round4(B)), k < K. A and b must be finite. */
typedef gmm_status (*gmm_linear_logprob_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D,
                                            size_t K, const double *GMM_RESTRICT A,
                                            const double *GMM_RESTRICT b, double *GMM_RESTRICT logp,
                                            size_t ldl);

/** nk[k] += sum_n g[k*ldg + n],  s1[k*D + i] += sum_n g[k*ldg + n] Xt[i*ldx + n], n < B
 *  (g's padding columns [B, round4(B)) are zero, as the log-sum-exp leaves them). */
typedef gmm_status (*gmm_linear_accum_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D,
                                          size_t K, const double *GMM_RESTRICT g, size_t ldg,
                                          double *GMM_RESTRICT nk, double *GMM_RESTRICT s1);

/** The one-hot block of integer codes: for row r < rows and raw feature j < d with code
 *  c = X[r*ldX + j] (doubles, or floats when float32 is nonzero), Xt[(offsets[j] + c)*ldx + r]
 *  = 1 - center[that column] and every other column of the row 0 - center (center may be
 *  NULL); columns [rows, ldx) are 0. offsets has d + 1 entries, offsets[d] = D. Codes must be
 *  valid (0 <= c < offsets[j+1] - offsets[j], checked beforehand): GMM_ERR_ARGUMENT if not. */
gmm_status gmm_load_block_codes(const void *GMM_RESTRICT X, int float32, size_t ldX, size_t rows, size_t d,
                                const int64_t *GMM_RESTRICT offsets, const double *GMM_RESTRICT center,
                                double *GMM_RESTRICT Xt, size_t ldx);

gmm_status gmm_linear_logprob_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                  const double *GMM_RESTRICT A, const double *GMM_RESTRICT b,
                                  double *GMM_RESTRICT logp, size_t ldl);
gmm_status gmm_linear_accum_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                const double *GMM_RESTRICT g, size_t ldg, double *GMM_RESTRICT nk,
                                double *GMM_RESTRICT s1);
gmm_status gmm_linear_logprob_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                   const double *GMM_RESTRICT A, const double *GMM_RESTRICT b,
                                   double *GMM_RESTRICT logp, size_t ldl);
gmm_status gmm_linear_accum_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                 const double *GMM_RESTRICT g, size_t ldg, double *GMM_RESTRICT nk,
                                 double *GMM_RESTRICT s1);

#ifdef __cplusplus
}
#endif
#endif
