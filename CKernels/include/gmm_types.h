/* Shared types and the kernel contract for swift-gmm's C layer.
 *
 * Layout conventions (all buffers are caller-owned; kernels never allocate):
 *  - A "block" is up to GMM_BLOCK_MAX points held transposed: Xt[i*ldx + n] is feature i of
 *    point n. ldx >= gmm_round4(B) and the padding columns [B, gmm_round4(B)) hold finite
 *    values (the drivers zero them), so SIMD kernels may run whole 4-lane vectors.
 *  - Per-component outputs are component-major with the same padding: logp[k*ldl + n].
 *  - Full covariance: prec_chol[k*d*d + i*d + j] is U_k (upper triangular, zeros below the
 *    diagonal) with U_k U_k^T = inverse(Sigma_k). Diagonal: prec_chol[k*d + i] = 1/sigma_ki.
 *  - log_norm[k] = log(pi_k) - d/2 log(2 pi) + sum_i log U_k[i,i]; so that
 *    log(pi_k N(x | mu_k, Sigma_k)) = log_norm[k] - 1/2 |(x - mu_k) U_k|^2.
 */
#ifndef GMM_TYPES_H
#define GMM_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GMM_RESTRICT __restrict__
#else
#define GMM_RESTRICT
#endif

/** Status codes returned by every kernel and driver. */
/* Largest centred |x| the float32 kernels take: 512 squares of it stay below FLT_MAX. */
#define GMM_F32_SAFE 7e17
/* Largest |x| |U| (centred, scaled value times precision factor entry) with which the float32
 * E-step keeps y = x U - mu U accurate to about 1e-4 (float32 rounding times this times
 * sqrt(d)); beyond it (a far outlier, or a component far narrower than float32 can resolve at
 * its distance from the centre) the block, or the pass, runs in float64. */
#define GMM_F32_CONDITION 65536.0

typedef enum gmm_status {
    GMM_OK = 0,
    GMM_ERR_ARGUMENT = 1,      /* a size or pointer violates the kernel contract */
    GMM_ERR_NOT_PD = 2,        /* a covariance is not positive definite (component in *bad) */
    GMM_ERR_NONFINITE = 3,     /* a non-finite value was met */
    GMM_ERR_UNSUPPORTED = 4,   /* the requested ISA or covariance type is not available */
    GMM_F32_RANGE = 5          /* float32 block loaded, but a centred value exceeds the limit
                                  (GMM_F32_SAFE, or less for precision): use float64 */
} gmm_status;

/** Covariance parametrizations understood by the kernels. */
typedef enum gmm_covariance {
    GMM_COV_FULL = 0,
    GMM_COV_DIAG = 1,
    GMM_COV_COUNT = 2,   /* the Gaussian kinds (slots of the kernel tables) */
    /* Not a Gaussian: a family whose log-densities are linear in x (gmm_linear.h). A pass
     * then reads the model's `means` as A (K x d) and `log_norm` as b (K), and its
     * statistics are nk and s1 only, both raw (about the origin). */
    GMM_COV_LINEAR = 2
} gmm_covariance;

/** Largest number of points in one block handed to a kernel (the driver's float32 blocks;
 *  its float64 blocks hold 256). */
#define GMM_BLOCK_MAX 512

/** Bytes the caller reads next (the driver: the following block's rows). Kernels that take
 *  one spread prefetches for them over their own work, a few cache lines per tile; a hint
 *  only, it never changes a result. NULL, or 0 bytes: nothing to fetch. */
typedef struct gmm_prefetch {
    const void *addr;
    size_t bytes;
} gmm_prefetch;

static inline size_t gmm_round4(size_t n) { return (n + 3u) & ~(size_t)3u; }

#ifdef __cplusplus
}
#endif
#endif
