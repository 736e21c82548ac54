/* float32 arithmetic for float32 data. The block stays float32 (rows are centred in float64
 * on loading, then rounded, so a large common offset never reaches float32 arithmetic),
 * products and the sums within one block run 8 lanes wide in float32, and each block's sums
 * are added to the float64 accumulators; parameters and responsibilities are float64 in the
 * interface. Relative accuracy is that of float32 data (about 1e-6), at twice the lanes.
 *
 * Float blocks: Xt[i*ldx + n] with ldx a multiple of 8 and columns [B, round8(B)) finite
 * (the loader zeroes [B, ldx)); responsibilities gamma as in gmm_accum_fn, zero from B to
 * round8(B). */
#ifndef GMM_F32_H
#define GMM_F32_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline size_t gmm_round8(size_t n) { return (n + 7u) & ~(size_t)7u; }

/** Xt[i*ldx + r] = (float)(((double)X[r*ldX + i] - center[i]) * scale[i]); columns
 *  [rows, ldx) zeroed. center and scale may be NULL (0 and 1). scale holds powers of two, so
 *  scaling is exact: it keeps features whose spread is far from 1 (1e-30 or 1e30) away from
 *  float32 underflow and overflow in the products of the E- and M-step kernels, and changes
 *  no other bit of their results. Returns GMM_F32_RANGE (block loaded) when some scaled
 *  |X - center| > limit (at most GMM_F32_SAFE: the caller lowers it for precision). */
typedef gmm_status (*gmm_load32_fn)(const float *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                    const double *GMM_RESTRICT center, const double *GMM_RESTRICT scale,
                                    double limit, float *GMM_RESTRICT Xt, size_t ldx);

/** As gmm_logprob_fn on a float block. work: d*d + 2*d + 32 floats. */
typedef gmm_status (*gmm_logprob32_fn)(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                       const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                       const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                       double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);

/** As gmm_accum_fn on a float block: float32 sums within the block, added to the float64
 *  nk, s1, s2. work: (1 + min(d, 6))*ldx floats. */
typedef gmm_status (*gmm_accum32_fn)(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                     const double *GMM_RESTRICT gamma, size_t ldg, const double *GMM_RESTRICT shift,
                                     float *GMM_RESTRICT work, double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                                     double *GMM_RESTRICT s2);

/* The log-sum-exp of gmm_lse_fn (gmm_estep.h) for log-densities from the float32 kernels: the
 * maxima, differences, log and normalization stay float64, the exponentials run in float32
 * (8 lanes): relative error ~1e-7, below that of the float32 log-densities themselves. */

#define GMM_F32_DECLARE(isa)                                                                                 \
    gmm_status gmm_lse32_##isa(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,                     \
                               double *GMM_RESTRICT lse);                                                      \
    gmm_status gmm_load32_##isa(const float *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,               \
                                const double *GMM_RESTRICT center, const double *GMM_RESTRICT scale,           \
                                double limit, float *GMM_RESTRICT Xt, size_t ldx);                             \
    gmm_status gmm_logprob32_full_##isa(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K, \
                                        const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol, \
                                        const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,          \
                                        double *GMM_RESTRICT logp, size_t ldl,                                  \
                                        const gmm_prefetch *next);                                              \
    gmm_status gmm_logprob32_diag_##isa(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K, \
                                        const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol, \
                                        const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,          \
                                        double *GMM_RESTRICT logp, size_t ldl,                                  \
                                        const gmm_prefetch *next);                                              \
    gmm_status gmm_accum32_full_##isa(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,   \
                                      const double *GMM_RESTRICT gamma, size_t ldg,                            \
                                      const double *GMM_RESTRICT shift, float *GMM_RESTRICT work,               \
                                      double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2); \
    gmm_status gmm_accum32_diag_##isa(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,   \
                                      const double *GMM_RESTRICT gamma, size_t ldg,                            \
                                      const double *GMM_RESTRICT shift, float *GMM_RESTRICT work,               \
                                      double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2);

GMM_F32_DECLARE(ref)
GMM_F32_DECLARE(avx2)
/* AVX-512 twins of the float32 log-densities and full statistics (x86/f32_avx512.c): the
 * AVX2 kernels' bits. */
gmm_status gmm_logprob32_full_avx512(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                     const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                     const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                     double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_logprob32_diag_avx512(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                     const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                     const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                     double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next);
gmm_status gmm_accum32_full_avx512(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                   const double *GMM_RESTRICT gamma, size_t ldg, const double *GMM_RESTRICT shift,
                                   float *GMM_RESTRICT work, double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                                   double *GMM_RESTRICT s2);

/** gmm_lse32_ref for the points [first, B) only (and the padding columns [B, ldl)): the
 *  scalar tail the AVX2 kernel shares with the reference. */
gmm_status gmm_lse32_from_ref(double *GMM_RESTRICT logp, size_t ldl, size_t first, size_t B, size_t K,
                              double *GMM_RESTRICT lse);

#ifdef __cplusplus
}
#endif
#endif
