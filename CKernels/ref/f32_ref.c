#include <math.h>
/* Reference float32 kernels (see gmm_f32.h): the same float32 products and the same
 * per-block float32 sums as the AVX2 twins, in point order. */
#include "gmm_f32.h"

gmm_status gmm_load32_ref(const float *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                          const double *GMM_RESTRICT center, const double *GMM_RESTRICT scale,
                          double limit, float *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d || ldx % 8) return GMM_ERR_ARGUMENT;
    double largest = 0.0;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < d; i++) {
            double v = (double)X[r * ldX + i] - (center ? center[i] : 0.0);
            if (scale) v *= scale[i];
            largest = fabs(v) > largest ? fabs(v) : largest;
            Xt[i * ldx + r] = (float)v;
        }
    for (size_t i = 0; i < d; i++)
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0f;
    return largest > limit ? GMM_F32_RANGE : GMM_OK;
}

gmm_status gmm_logprob32_full_ref(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                  const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                  const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                  double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    (void)next;
    if (B > ldx || B > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    float *a = work; /* one centred point */
    for (size_t k = 0; k < K; k++) {
        const double *U = prec_chol + k * d * d;
        for (size_t n = 0; n < B; n++) {
            for (size_t i = 0; i < d; i++) a[i] = Xt[i * ldx + n] - (float)means[k * d + i];
            float sq = 0.0f;
            for (size_t j = 0; j < d; j++) {
                float y = 0.0f;
                for (size_t i = 0; i <= j; i++) y += a[i] * (float)U[i * d + j];
                sq += y * y;
            }
            logp[k * ldl + n] = log_norm[k] - 0.5 * (double)sq;
        }
    }
    return GMM_OK;
}

gmm_status gmm_logprob32_diag_ref(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                  const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                                  const double *GMM_RESTRICT log_norm, float *GMM_RESTRICT work,
                                  double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    (void)next;
    if (B > ldx || B > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        for (size_t n = 0; n < B; n++) {
            float sq = 0.0f;
            for (size_t i = 0; i < d; i++) {
                float t = (Xt[i * ldx + n] - (float)means[k * d + i]) * (float)prec_chol[k * d + i];
                sq += t * t;
            }
            logp[k * ldl + n] = log_norm[k] - 0.5 * (double)sq;
        }
    }
    (void)work;
    return GMM_OK;
}

static gmm_status accum32_ref(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                              const double *GMM_RESTRICT gamma, size_t ldg, const double *GMM_RESTRICT shift,
                              float *GMM_RESTRICT work, double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                              double *GMM_RESTRICT s2, int full) {
    if (B > ldx || B > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        const double *s = shift + k * d;
        double G = 0.0;
        for (size_t n = 0; n < B; n++) G += g[n];
        nk[k] += G;
        /* One float32 sum per statistic over the block, then into float64. */
        for (size_t i = 0; i < d; i++) {
            float t1 = 0.0f;
            for (size_t n = 0; n < B; n++) t1 += (float)g[n] * (Xt[i * ldx + n] - (float)s[i]);
            s1[k * d + i] += (double)t1;
            for (size_t j = i; j < (full ? d : i + 1); j++) {
                float t2 = 0.0f;
                for (size_t n = 0; n < B; n++) {
                    float wi = (float)g[n] * (Xt[i * ldx + n] - (float)s[i]);
                    t2 += wi * (Xt[j * ldx + n] - (float)s[j]);
                }
                if (full) s2[k * d * d + i * d + j] += (double)t2;
                else s2[k * d + i] += (double)t2;
            }
        }
    }
    (void)work;
    return GMM_OK;
}

gmm_status gmm_accum32_full_ref(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                const double *GMM_RESTRICT gamma, size_t ldg, const double *GMM_RESTRICT shift,
                                float *GMM_RESTRICT work, double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                                double *GMM_RESTRICT s2) {
    return accum32_ref(Xt, ldx, B, d, K, gamma, ldg, shift, work, nk, s1, s2, 1);
}

gmm_status gmm_accum32_diag_ref(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                const double *GMM_RESTRICT gamma, size_t ldg, const double *GMM_RESTRICT shift,
                                float *GMM_RESTRICT work, double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                                double *GMM_RESTRICT s2) {
    return accum32_ref(Xt, ldx, B, d, K, gamma, ldg, shift, work, nk, s1, s2, 0);
}
