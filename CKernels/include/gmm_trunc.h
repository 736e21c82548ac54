/* Truncated E-step kernels (opt-in): per point, evaluate exactly only the components that can
 * matter, and prove that every other one cannot.
 *
 * The rule. With l_nk = log(pi_k N(x_n | mu_k, Sigma_k)) and a user threshold tau in (0, 1),
 * the kept set of point n is K'_n = { k : l_nk >= max_j l_nj + log tau }: every component
 * whose responsibility is at least tau times the point's largest. Responsibilities are
 * renormalized over K'_n (gamma_nk = exp(l_nk - m_n) / sum_{j in K'_n} exp(l_nj - m_n), zero
 * outside), and the point's term of the lower bound is m_n + log sum_{j in K'_n} exp(l_nj - m_n)
 * (the free energy of the truncated posterior: Lucke & Eggert 2010, "Expectation truncation
 * and the benefits of preselection", JMLR 11; Forster & Lucke 2018, "Can clustering scale
 * sublinearly with its clusters?", AISTATS). What is dropped per point is at most
 * (|K| - |K'_n|) tau of the largest responsibility, and the term lies within
 * log(1 + (K - 1) tau) <= (K - 1) tau below the point's exact log-likelihood.
 *
 * The proof that a component cannot matter: partial Mahalanobis distances. The squared
 * distance |(x - mu_k) U_k|^2 = sum_j y_j^2 is a sum of non-negative terms (y_j over the
 * columns of U_k, or the features for diagonal covariances), so after any prefix of them
 * u = log_norm_k - 1/2 (partial sum) is an upper bound on l_nk, and it stays one in floating
 * point: the exact value continues the same accumulation (each step fma(y, y, q) >= q), so the
 * computed l_nk <= the computed u. A point's largest value is bounded below by an exact
 * evaluation of its most promising component (largest u after the first chunk), and a
 * component whose bound falls below that value + log tau is dropped at that chunk.
 *
 * Arithmetic, identical in every twin (so the kept sets, values and responsibilities do not
 * depend on the ISA or on how points are grouped into vectors): chunks of GMM_TRUNC_CHUNK = 8
 * columns; diag: y_j = (x_j - mu_kj) p_kj; full: a_i = x_i - mu_ki, y_j = the fma chain of
 * a_i U_k[i,j] over i = 0 .. j ascending (from 0); then q = fma(y_j, y_j, q) in column order
 * (from 0) and l = fma(-1/2, q, log_norm_k).
 * (Each step adds a non-negative term to q, which is what keeps the bounds safe.) */
#ifndef GMM_TRUNC_H
#define GMM_TRUNC_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most points per group (lanes) of any twin. */
#define GMM_TRUNC_LANES_MAX 8
/** Columns (features) per bound check, and in the first bound of every component (full,
 *  diag; multiples of GMM_TRUNC_CHUNK). Work parameters only: no value depends on them. */
#define GMM_TRUNC_CHUNK 8
#ifndef GMM_TRUNC_FIRST_DIAG
#define GMM_TRUNC_FIRST_DIAG 8
#endif
#ifndef GMM_TRUNC_FIRST_FULL
#define GMM_TRUNC_FIRST_FULL 4
#endif

/** Evaluates a block (Xt, ldx, B, d: as gmm_logprob_fn) under K components (means, prec_chol,
 *  log_norm as gmm_logprob_fn; covariance full or diag) with threshold log_tau < 0.
 *  Points are taken in groups of `*lanes` consecutive points (1 for the reference, 4 for AVX2,
 *  8 for AVX-512); group g covers points [g * lanes, min(B, (g + 1) * lanes)).
 *  On return, for each group g < ceil(B / lanes): active[g * K + c], c < count[g], lists in
 *  ascending order the components evaluated exactly for every point of the group, with
 *  logp[k * ldl + n] = l_nk (exact, by the arithmetic above); every component not listed has
 *  l_nk < max_j l_nj + log_tau for every point n of the group. The list always holds each
 *  point's largest l_nk and all of K'_n. Other entries of logp are scratch.
 *  hint: NULL, or per point n < B a component to evaluate first (e.g. the point's label in
 *  the previous EM iteration; values outside [0, K) mean none): its exact value starts the
 *  point's threshold, else the component with the largest first-chunk bound does. Only the
 *  work depends on it: the lists' kept parts, the values and everything gmm_trunc_resp
 *  makes of them do not.
 *  work: gmm_trunc_work_size(ldx, d) doubles.
 *  Errors: GMM_ERR_ARGUMENT (sizes, log_tau not negative or NaN). */
typedef gmm_status (*gmm_logprob_trunc_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                           size_t K, const double *GMM_RESTRICT means,
                                           const double *GMM_RESTRICT prec_chol,
                                           const double *GMM_RESTRICT log_norm, double log_tau,
                                           double *GMM_RESTRICT work, double *GMM_RESTRICT logp, size_t ldl,
                                           int32_t *GMM_RESTRICT active, int32_t *GMM_RESTRICT count,
                                           size_t *lanes, const int32_t *GMM_RESTRICT hint);

/** Doubles of `work` a gmm_logprob_trunc_fn needs. */
static inline size_t gmm_trunc_work_size(size_t ldx, size_t d) { return 2 * (ldx + GMM_TRUNC_LANES_MAX) + GMM_TRUNC_LANES_MAX * (d + 1); }

#define GMM_TRUNC_LOGPROB_DECL(name)                                                                                \
    gmm_status name(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,                         \
                    const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,                          \
                    const double *GMM_RESTRICT log_norm, double log_tau, double *GMM_RESTRICT work,                  \
                    double *GMM_RESTRICT logp, size_t ldl, int32_t *GMM_RESTRICT active, int32_t *GMM_RESTRICT count, \
                    size_t *lanes, const int32_t *GMM_RESTRICT hint)
GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_full_ref);
GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_diag_ref);
GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_full_avx2);
GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_diag_avx2);
GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_full_avx512);
GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_diag_avx512);

/** Turns a gmm_logprob_trunc_fn's output into truncated responsibilities, in place: for each
 *  point n < B, over its group's list, m_n = max l_nk, logp[k * ldl + n] = gamma_nk for listed
 *  k (0 outside K'_n), lse[n] = the point's term of the lower bound (see above), label[n] (may
 *  be NULL) = the first k attaining m_n. Entries of unlisted components are not touched (they
 *  are zero responsibilities). Arithmetic (every twin): e_k = exp(l_k - m) in list order by
 *  the vectorized exponential of vmath_avx2.h (one lane of it in the reference; <= 1 ulp of
 *  libm's), s = sum of e_k in list order, gamma = e_k * (1 / s), lse = m + log(s) (libm). */
typedef gmm_status (*gmm_trunc_resp_fn)(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K, double log_tau,
                                        const int32_t *GMM_RESTRICT active, const int32_t *GMM_RESTRICT count,
                                        size_t lanes, double *GMM_RESTRICT lse, int32_t *GMM_RESTRICT label);
#define GMM_TRUNC_RESP_DECL(name)                                                                                  \
    gmm_status name(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K, double log_tau,                      \
                    const int32_t *GMM_RESTRICT active, const int32_t *GMM_RESTRICT count, size_t lanes,           \
                    double *GMM_RESTRICT lse, int32_t *GMM_RESTRICT label)
GMM_TRUNC_RESP_DECL(gmm_trunc_resp_ref);
GMM_TRUNC_RESP_DECL(gmm_trunc_resp_avx2);
GMM_TRUNC_RESP_DECL(gmm_trunc_resp_avx512);

/** Sufficient statistics of truncated responsibilities (gmm_mstep.h's accum contract, about
 *  the shifts): for each group (of `lanes` points), each listed k, each point n of the group
 *  with wg = w_n gamma_nk != 0 (w NULL: gamma_nk), in that order:
 *    nk[k] += wg;  a_j = x_nj - shift_kj;  s1[k,j] = fma(wg, a_j, s1[k,j]);
 *    diag: s2[k,j] = fma(wg * a_j, a_j, s2[k,j]);
 *    full: s2[k,i,j] = fma(wg * a_i, a_j, s2[k,i,j]) for j >= i.
 *  Per component, points arrive in ascending order whatever the grouping, so every twin gives
 *  the reference's bits. O(|K'_n| d^2) per point rather than O(K d^2).
 *  work: (GMM_TRUNC_LANES_MAX + 1) * d doubles. */
typedef gmm_status (*gmm_trunc_accum_fn)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                         gmm_covariance covariance, const double *GMM_RESTRICT gamma, size_t ldg,
                                         const int32_t *GMM_RESTRICT active, const int32_t *GMM_RESTRICT count,
                                         size_t lanes, const double *GMM_RESTRICT w, const double *GMM_RESTRICT shift,
                                         double *GMM_RESTRICT work, double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                                         double *GMM_RESTRICT s2);
#define GMM_TRUNC_ACCUM_DECL(name)                                                                                   \
    gmm_status name(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K, gmm_covariance covariance, \
                    const double *GMM_RESTRICT gamma, size_t ldg, const int32_t *GMM_RESTRICT active,                 \
                    const int32_t *GMM_RESTRICT count, size_t lanes, const double *GMM_RESTRICT w,                    \
                    const double *GMM_RESTRICT shift, double *GMM_RESTRICT work, double *GMM_RESTRICT nk,             \
                    double *GMM_RESTRICT s1, double *GMM_RESTRICT s2)
GMM_TRUNC_ACCUM_DECL(gmm_trunc_accum_ref);
GMM_TRUNC_ACCUM_DECL(gmm_trunc_accum_avx2);
GMM_TRUNC_ACCUM_DECL(gmm_trunc_accum_avx512);

#ifdef __cplusplus
}
#endif
#endif
