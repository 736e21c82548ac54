/* Reference M-step accumulation (see gmm_mstep.h for the formulas). Point by point, in
 * point order: the plainest statement of the sums. */
#include "gmm_mstep.h"

static gmm_status accum_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                            size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                            const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                            double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                            double *GMM_RESTRICT s2, int full) {
    if (B > ldx || B > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    double *a = work; /* one centred point */
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        const double *s = shift + k * d;
        double *S1 = s1 + k * d;
        double *S2 = full ? s2 + k * d * d : s2 + k * d;
        for (size_t n = 0; n < B; n++) {
            double w = g[n];
            nk[k] += w;
            for (size_t i = 0; i < d; i++) {
                a[i] = Xt[i * ldx + n] - s[i];
                S1[i] += w * a[i];
            }
            if (full) {
                for (size_t i = 0; i < d; i++) {
                    double wa = w * a[i];
                    for (size_t j = i; j < d; j++) S2[i * d + j] += wa * a[j];
                }
            } else {
                for (size_t i = 0; i < d; i++) S2[i] += w * a[i] * a[i];
            }
        }
    }
    return GMM_OK;
}

gmm_status gmm_accum_full_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                              size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                              const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                              double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                              double *GMM_RESTRICT s2) {
    return accum_ref(Xt, ldx, B, d, K, gamma, ldg, shift, work, nk, s1, s2, 1);
}

gmm_status gmm_accum_diag_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                              size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                              const double *GMM_RESTRICT shift, double *GMM_RESTRICT work,
                              double *GMM_RESTRICT nk, double *GMM_RESTRICT s1,
                              double *GMM_RESTRICT s2) {
    return accum_ref(Xt, ldx, B, d, K, gamma, ldg, shift, work, nk, s1, s2, 0);
}

static gmm_status moments_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                              const double *GMM_RESTRICT gamma, size_t ldg, double *GMM_RESTRICT nk,
                              double *GMM_RESTRICT s1, double *GMM_RESTRICT s2, int full) {
    if (B > ldx || B > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg;
        for (size_t n = 0; n < B; n++) {
            const double w = g[n];
            nk[k] += w;
            for (size_t i = 0; i < d; i++) {
                const double wx = w * Xt[i * ldx + n];
                s1[k * d + i] += wx;
                if (!full) s2[k * d + i] += wx * Xt[i * ldx + n];
                else
                    for (size_t j = i; j < d; j++) s2[k * d * d + i * d + j] += wx * Xt[j * ldx + n];
            }
        }
    }
    return GMM_OK;
}

gmm_status gmm_moments_full_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    (void)work;
    return moments_ref(Xt, ldx, B, d, K, gamma, ldg, nk, s1, s2, 1);
}

gmm_status gmm_moments_diag_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    (void)work;
    return moments_ref(Xt, ldx, B, d, K, gamma, ldg, nk, s1, s2, 0);
}

void gmm_moments_recentre(gmm_covariance covariance, size_t d, size_t K, const double *GMM_RESTRICT shift,
                          const double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const int full = covariance == GMM_COV_FULL;
    for (size_t k = 0; k < K; k++) {
        const double *s = shift + k * d;
        double *S1 = s1 + k * d, *S2 = full ? s2 + k * d * d : s2 + k * d;
        for (size_t i = 0; i < d; i++) {
            if (!full) {
                S2[i] += nk[k] * s[i] * s[i] - 2 * S1[i] * s[i];
                continue;
            }
            for (size_t j = i; j < d; j++) S2[i * d + j] += nk[k] * s[i] * s[j] - S1[i] * s[j] - s[i] * S1[j];
        }
        for (size_t i = 0; i < d; i++) S1[i] -= nk[k] * s[i];
    }
}
