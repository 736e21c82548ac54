/* Reference E-step kernels: the specification the SIMD kernels are tested against.
 *
 * With the precision Cholesky factor U_k (U_k U_k^T = Sigma_k^-1, upper triangular),
 *   log N(x | mu_k, Sigma_k) = -1/2 (d log 2pi + |y|^2) + sum_i log U_k[i,i],  y = (x - mu_k) U_k,
 * and y_j = sum_{i<=j} (x_i - mu_ki) U_k[i,j] only touches the upper triangle: d(d+1)/2
 * multiply-adds per point and component. The constant terms and log pi_k arrive folded into
 * log_norm[k]. Responsibilities: gamma_nk = exp(l_nk - m_n) / sum_j exp(l_nj - m_n) with
 * m_n = max_j l_nj, and the point's log-likelihood is m_n + log sum_j exp(l_nj - m_n). */
#include <math.h>
#include "gmm_estep.h"
#include "gmm_f32.h"

gmm_status gmm_logprob_full_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT means,
                                const double *GMM_RESTRICT prec_chol,
                                const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    (void)next; /* a hint for the SIMD kernels */
    if (B > ldx || B > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d;
        const double *U = prec_chol + k * d * d;
        for (size_t i = 0; i < d; i++)
            for (size_t n = 0; n < B; n++) work[i * ldx + n] = Xt[i * ldx + n] - mu[i];
        for (size_t n = 0; n < B; n++) {
            double sq = 0.0;
            for (size_t j = 0; j < d; j++) {
                double y = 0.0;
                for (size_t i = 0; i <= j; i++) y += work[i * ldx + n] * U[i * d + j];
                sq += y * y;
            }
            logp[k * ldl + n] = log_norm[k] - 0.5 * sq;
        }
    }
    return GMM_OK;
}

gmm_status gmm_logprob_diag_ref(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                size_t K, const double *GMM_RESTRICT means,
                                const double *GMM_RESTRICT prec_chol,
                                const double *GMM_RESTRICT log_norm, double *GMM_RESTRICT work,
                                double *GMM_RESTRICT logp, size_t ldl, const gmm_prefetch *next) {
    (void)next; /* a hint for the SIMD kernels */
    if (B > ldx || B > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d;
        const double *p = prec_chol + k * d;
        for (size_t n = 0; n < B; n++) {
            double sq = 0.0;
            for (size_t i = 0; i < d; i++) {
                double y = (Xt[i * ldx + n] - mu[i]) * p[i];
                sq += y * y;
            }
            logp[k * ldl + n] = log_norm[k] - 0.5 * sq;
        }
    }
    return GMM_OK;
}

/* The one reference log-sum-exp, for points [first, B) and the padding columns [B, ldl).
 * float32_exp narrows the max-shifted differences to float for expf and sums in float, as
 * the float32 kernels' gmm_lse32 does; everything else is float64. */
static gmm_status lse_ref(double *GMM_RESTRICT logp, size_t ldl, size_t first, size_t B, size_t K,
                          double *GMM_RESTRICT lse, int float32_exp) {
    if (B > ldl || first > B || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t n = first; n < B; n++) {
        double m = logp[n];
        for (size_t k = 1; k < K; k++) m = fmax(m, logp[k * ldl + n]);
        if (!isfinite(m)) {  /* no component gives this point a finite density */
            for (size_t k = 0; k < K; k++) logp[k * ldl + n] = NAN;
            lse[n] = m;
            continue;
        }
        double s = 0.0;
        float s32 = 0.0f;
        for (size_t k = 0; k < K; k++) {
            double e;
            if (float32_exp) {
                float e32 = expf((float)(logp[k * ldl + n] - m));
                s32 += e32;
                e = e32;
            } else {
                e = exp(logp[k * ldl + n] - m);
                s += e;
            }
            logp[k * ldl + n] = e;
        }
        if (float32_exp) s = s32;
        double inv = 1.0 / s;
        for (size_t k = 0; k < K; k++) logp[k * ldl + n] *= inv;
        lse[n] = m + log(s);
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = B; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}

gmm_status gmm_lse_resp_ref(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                            double *GMM_RESTRICT lse) {
    return lse_ref(logp, ldl, 0, B, K, lse, 0);
}

gmm_status gmm_lse32_ref(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K, double *GMM_RESTRICT lse) {
    return lse_ref(logp, ldl, 0, B, K, lse, 1);
}

gmm_status gmm_lse32_from_ref(double *GMM_RESTRICT logp, size_t ldl, size_t first, size_t B, size_t K,
                              double *GMM_RESTRICT lse) {
    return lse_ref(logp, ldl, first, B, K, lse, 1);
}

gmm_status gmm_hard_assign_ref(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                               double *GMM_RESTRICT best, int32_t *GMM_RESTRICT label) {
    if (B > ldl || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t n = 0; n < B; n++) {
        size_t arg = 0;
        double m = logp[n];
        for (size_t k = 1; k < K; k++)
            if (logp[k * ldl + n] > m) {
                m = logp[k * ldl + n];
                arg = k;
            }
        for (size_t k = 0; k < K; k++) logp[k * ldl + n] = (k == arg) ? 1.0 : 0.0;
        best[n] = m;
        label[n] = (int32_t)arg;
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = B; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}
