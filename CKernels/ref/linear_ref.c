/* Reference kernels of the linear families (the specification; see gmm_linear.h), and the
 * one-hot loader of categorical codes. */
#include "gmm_linear.h"

gmm_status gmm_linear_logprob_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                  const double *GMM_RESTRICT A, const double *GMM_RESTRICT b,
                                  double *GMM_RESTRICT logp, size_t ldl) {
    if (B > ldx || B > ldl || D == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++)
        for (size_t n = 0; n < B; n++) {
            double acc = b[k];
            for (size_t i = 0; i < D; i++) acc += A[k * D + i] * Xt[i * ldx + n];
            logp[k * ldl + n] = acc;
        }
    return GMM_OK;
}

gmm_status gmm_linear_accum_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t D, size_t K,
                                const double *GMM_RESTRICT g, size_t ldg, double *GMM_RESTRICT nk,
                                double *GMM_RESTRICT s1) {
    if (B > ldx || B > ldg || D == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        const double *gk = g + k * ldg;
        double total = 0.0;
        for (size_t n = 0; n < B; n++) total += gk[n];
        nk[k] += total;
        for (size_t i = 0; i < D; i++) {
            double acc = 0.0;
            for (size_t n = 0; n < B; n++) acc += gk[n] * Xt[i * ldx + n];
            s1[k * D + i] += acc;
        }
    }
    return GMM_OK;
}

gmm_status gmm_load_block_codes(const void *GMM_RESTRICT X, int float32, size_t ldX, size_t rows, size_t d,
                                const int64_t *GMM_RESTRICT offsets, const double *GMM_RESTRICT center,
                                double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d || d == 0) return GMM_ERR_ARGUMENT;
    const size_t D = (size_t)offsets[d];
    for (size_t i = 0; i < D; i++) {
        const double c = center ? center[i] : 0.0;
        for (size_t r = 0; r < rows; r++) Xt[i * ldx + r] = -c;
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0;
    }
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < d; j++) {
            const double v = float32 ? (double)((const float *)X)[r * ldX + j] : ((const double *)X)[r * ldX + j];
            const double width = (double)(offsets[j + 1] - offsets[j]);
            if (!(v >= 0.0 && v < width) || v != (double)(int64_t)v) return GMM_ERR_ARGUMENT;
            Xt[((size_t)offsets[j] + (size_t)v) * ldx + r] += 1.0;
        }
    return GMM_OK;
}
