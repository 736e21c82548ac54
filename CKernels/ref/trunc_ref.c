/* Reference truncated E-step (the specification its SIMD twins are tested against), and the
 * portable steps that follow it: truncated responsibilities and their sufficient statistics.
 * The rule, the bound and the arithmetic are written up in gmm_trunc.h. Point by point: the
 * first chunk of every component gives the bounds u_k; the component with the largest bound
 * is evaluated exactly (m); every other component continues chunk by chunk while its bound
 * stays at or above m + log tau, and m rises to each larger exact value found. */
#include <math.h>
#include <string.h>
#include "gmm_trunc.h"

/* Continues q over columns [j0, j1) for point n of component (mu, P). Full: a holds x - mu
 * (d values), y_j = fma chain over i <= j; diag: y_j = (x_j - mu_j) p_j. */
static double chunk_ref(int full, const double *GMM_RESTRICT Xt, size_t ldx, size_t n, size_t d,
                        const double *GMM_RESTRICT mu, const double *GMM_RESTRICT P,
                        const double *GMM_RESTRICT a, size_t j0, size_t j1, double q) {
    if (full) {
        for (size_t j = j0; j < j1; j++) {
            double y = 0.0;
            for (size_t i = 0; i <= j; i++) y = fma(a[i], P[i * d + j], y);
            q = fma(y, y, q);
        }
        return q;
    }
    for (size_t j = j0; j < j1; j++) {
        const double y = (Xt[j * ldx + n] - mu[j]) * P[j];
        q = fma(y, y, q);
    }
    return q;
}

static gmm_status trunc_ref(int full, const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                            const double *GMM_RESTRICT means, const double *GMM_RESTRICT prec_chol,
                            const double *GMM_RESTRICT log_norm, double log_tau, double *GMM_RESTRICT work,
                            double *GMM_RESTRICT logp, size_t ldl, int32_t *GMM_RESTRICT active,
                            int32_t *GMM_RESTRICT count, size_t *lanes, const int32_t *GMM_RESTRICT hint) {
    if (!(log_tau < 0.0) || B == 0 || B > ldx || B > ldl || d == 0 || K == 0 || K > INT32_MAX || !lanes)
        return GMM_ERR_ARGUMENT;
    *lanes = 1;
    const size_t C = GMM_TRUNC_CHUNK, F = full ? GMM_TRUNC_FIRST_FULL : GMM_TRUNC_FIRST_DIAG, c0 = d < F ? d : F;
    const size_t per = full ? d * d : d;
    double *a = work;
    for (size_t n = 0; n < B; n++) {
        /* The first chunk of every component, and the largest bound (first on ties). */
        size_t best = 0;
        double best_u = 0.0;
        for (size_t k = 0; k < K; k++) {
            const double *mu = means + k * d;
            if (full)
                for (size_t i = 0; i < c0; i++) a[i] = Xt[i * ldx + n] - mu[i];
            const double q = chunk_ref(full, Xt, ldx, n, d, mu, prec_chol + k * per, a, 0, c0, 0.0);
            logp[k * ldl + n] = q;
            const double u = fma(-0.5, q, log_norm[k]);
            if (k == 0 || u > best_u) { best = k; best_u = u; }
        }
        /* Exact value of the hinted, or most promising, component: a lower bound on the
         * point's largest. */
        if (hint && hint[n] >= 0 && (size_t)hint[n] < K) best = (size_t)hint[n];
        int32_t *list = active + n * K;
        size_t c = 0;
        double m = 0.0;
        for (int pass = 0; pass < 2; pass++) {
            for (size_t k = pass ? 0 : best; pass ? k < K : k == best; k++) {
                if (pass && k == best) { list[c++] = (int32_t)k; continue; }
                const double *mu = means + k * d, *P = prec_chol + k * per;
                double q = logp[k * ldl + n];
                const double thr = m + log_tau;
                if (pass && !(fma(-0.5, q, log_norm[k]) >= thr)) continue;
                if (full)
                    for (size_t i = 0; i < d; i++) a[i] = Xt[i * ldx + n] - mu[i];
                int dropped = 0;
                for (size_t j0 = c0; j0 < d && !dropped; j0 += C) {
                    q = chunk_ref(full, Xt, ldx, n, d, mu, P, a, j0, j0 + C < d ? j0 + C : d, q);
                    dropped = pass && !(fma(-0.5, q, log_norm[k]) >= thr);
                }
                if (dropped) continue;
                logp[k * ldl + n] = fma(-0.5, q, log_norm[k]);
                if (pass) list[c++] = (int32_t)k;
                /* any exact value bounds the largest from below: the threshold only rises */
                if (!pass || logp[k * ldl + n] > m) m = logp[k * ldl + n];
            }
        }
        count[n] = (int32_t)c;
    }
    return GMM_OK;
}

GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_full_ref) {
    return trunc_ref(1, Xt, ldx, B, d, K, means, prec_chol, log_norm, log_tau, work, logp, ldl, active, count, lanes, hint);
}

GMM_TRUNC_LOGPROB_DECL(gmm_logprob_trunc_diag_ref) {
    return trunc_ref(0, Xt, ldx, B, d, K, means, prec_chol, log_norm, log_tau, work, logp, ldl, active, count, lanes, hint);
}

/* One lane of the vectorized exponential of x86/vmath_avx2.h (gmm_vexp_reduce, then
 * gmm_vexp_finish), operation for operation: exp(x) for x <= 0, +0 below ln(2^-1022). */
static double exp_lane(double x) {
    const double shifter = 6755399441055744.0 + 1023.0;
    const double xc = -745.0 > x ? -745.0 : x;  /* as vmaxpd(-745, x): NaN passes */
    double kt = fma(xc, 1.4426950408889634, shifter);
    const double kf = kt - shifter;
    double r = fma(-kf, 6.93147180369123816490e-01, xc);
    r = fma(-kf, 1.90821492927058770002e-10, r);
    if (x < -708.3964185322641) kt = 0.0;
    const double r2 = r * r, r4 = r2 * r2;
    const double p23 = fma(0.1666666666666668, r, 0.5000000000000019);
    const double p45 = fma(0.008333333333319601, r, 0.0416666666664881);
    const double p67 = fma(0.00019841269890047113, r, 0.0013888888952314775);
    const double p89 = fma(2.755724091857897e-06, r, 2.4801485482328494e-05);
    const double p1011 = fma(2.5110037605963777e-08, r, 2.763263963904103e-07);
    const double q25 = fma(p45, r2, p23), q69 = fma(p89, r2, p67);
    const double t = fma(fma(p1011, r4, q69), r4, q25);
    const double p = 1.0 + fma(t, r2, r);
    uint64_t bits;
    memcpy(&bits, &kt, sizeof bits);
    bits <<= 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

GMM_TRUNC_RESP_DECL(gmm_trunc_resp_ref) {
    if (!(log_tau < 0.0) || lanes == 0 || B > ldl || K == 0) return GMM_ERR_ARGUMENT;
    for (size_t n = 0; n < B; n++) {
        const size_t g = n / lanes;
        const int32_t *list = active + g * K;
        const size_t c = (size_t)count[g];
        double m = -INFINITY;
        int32_t arg = c ? list[0] : 0;
        for (size_t i = 0; i < c; i++)
            if (logp[(size_t)list[i] * ldl + n] > m) { m = logp[(size_t)list[i] * ldl + n]; arg = list[i]; }
        if (label) label[n] = arg;
        if (!isfinite(m)) {  /* no component gives this point a finite density (as the exact path) */
            for (size_t i = 0; i < c; i++) logp[(size_t)list[i] * ldl + n] = NAN;
            lse[n] = c ? m : NAN;
            continue;
        }
        const double keep = m + log_tau;
        double s = 0.0;
        for (size_t i = 0; i < c; i++) {
            double *l = logp + (size_t)list[i] * ldl + n;
            const double e = *l >= keep ? exp_lane(*l - m) : 0.0;
            s += e;
            *l = e;
        }
        const double inv = 1.0 / s;
        for (size_t i = 0; i < c; i++) logp[(size_t)list[i] * ldl + n] *= inv;
        lse[n] = m + log(s);
    }
    return GMM_OK;
}

GMM_TRUNC_ACCUM_DECL(gmm_trunc_accum_ref) {
    if (lanes == 0 || lanes > GMM_TRUNC_LANES_MAX || B > ldx || B > ldg || d == 0 || K == 0 || covariance > GMM_COV_DIAG)
        return GMM_ERR_ARGUMENT;
    double *a = work;
    for (size_t g = 0; g * lanes < B; g++) {
        const int32_t *list = active + g * K;
        const size_t n1 = (g + 1) * lanes < B ? (g + 1) * lanes : B;
        for (size_t c = 0; c < (size_t)count[g]; c++) {
            const size_t k = (size_t)list[c];
            const double *s = shift + k * d;
            for (size_t n = g * lanes; n < n1; n++) {
                const double wg = w ? w[n] * gamma[k * ldg + n] : gamma[k * ldg + n];
                if (wg == 0.0) continue;
                nk[k] += wg;
                for (size_t j = 0; j < d; j++) {
                    a[j] = Xt[j * ldx + n] - s[j];
                    s1[k * d + j] = fma(wg, a[j], s1[k * d + j]);
                }
                if (covariance == GMM_COV_DIAG) {
                    for (size_t j = 0; j < d; j++) s2[k * d + j] = fma(wg * a[j], a[j], s2[k * d + j]);
                } else {
                    double *S = s2 + k * d * d;
                    for (size_t i = 0; i < d; i++) {
                        const double wa = wg * a[i];
                        for (size_t j = i; j < d; j++) S[i * d + j] = fma(wa, a[j], S[i * d + j]);
                    }
                }
            }
        }
    }
    return GMM_OK;
}
