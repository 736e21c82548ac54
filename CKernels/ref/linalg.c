/* Small d x d linear algebra, row-major, in place over the caller's output buffer (no
 * scratch, no allocation). */
#include <math.h>
#include "gmm_linalg.h"

/* In place: the lower triangle of a becomes L with a = L L^T; the upper part is zeroed.
 * Fails (GMM_ERR_NOT_PD) where LAPACK's potrf does, at a pivot that is not positive, and also
 * at a pivot within rounding of zero (at most 4 d eps a[i][i]): the matrix is then singular to
 * working precision, as one made of fewer points than dimensions is, and whether rounding
 * leaves its pivot a little above or below zero must not decide the outcome. */
static gmm_status cholesky_lower_inplace(double *a, size_t d) {
    const double rank_floor = 4.0 * (double)d * 2.220446049250313e-16;
    for (size_t i = 0; i < d; i++) {
        const double diagonal = a[i * d + i];
        for (size_t j = 0; j <= i; j++) {
            double s = a[i * d + j];
            for (size_t p = 0; p < j; p++) s -= a[i * d + p] * a[j * d + p];
            if (i == j) {
                if (!(s > 0.0) || !isfinite(s) || (i > 0 && !(s > rank_floor * diagonal))) return GMM_ERR_NOT_PD;
                a[i * d + i] = sqrt(s);
            } else {
                a[i * d + j] = s / a[j * d + j];
            }
        }
        for (size_t j = i + 1; j < d; j++) a[i * d + j] = 0.0;
    }
    return GMM_OK;
}

/* In place inverse of an upper triangular matrix (column by column; V[i][j] replaces U[i][j]
 * after its last use). */
static void invert_upper_inplace(double *u, size_t d) {
    for (size_t j = 0; j < d; j++) {
        double ujj = u[j * d + j];
        for (size_t i = 0; i < j; i++) {
            double s = 0.0;
            for (size_t p = i; p < j; p++) s += u[i * d + p] * u[p * d + j];
            u[i * d + j] = -s / ujj;
        }
        u[j * d + j] = 1.0 / ujj;
    }
}

gmm_status gmm_precision_cholesky_from_covariance(const double *GMM_RESTRICT cov, size_t d,
                                                  double *GMM_RESTRICT U, double *log_det) {
    if (d == 0 || !U || !cov || !log_det) return GMM_ERR_ARGUMENT;
    for (size_t i = 0; i < d * d; i++) U[i] = cov[i];
    gmm_status st = cholesky_lower_inplace(U, d);
    if (st != GMM_OK) return st;
    /* U = (L^-1)^T = (L^T)^-1: transpose L to upper, then invert the triangle. */
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++) {
            U[j * d + i] = U[i * d + j];
            U[i * d + j] = 0.0;
        }
    invert_upper_inplace(U, d);
    double ld = 0.0;
    for (size_t i = 0; i < d; i++) ld += log(U[i * d + i]);
    *log_det = ld;
    return GMM_OK;
}

gmm_status gmm_precision_cholesky_from_precision(const double *GMM_RESTRICT prec, size_t d,
                                                 double *GMM_RESTRICT U, double *log_det) {
    if (d == 0 || !U || !prec || !log_det) return GMM_ERR_ARGUMENT;
    /* J prec J = L L^T, then U = J L J is upper triangular with U U^T = prec. */
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) U[i * d + j] = prec[(d - 1 - i) * d + (d - 1 - j)];
    gmm_status st = cholesky_lower_inplace(U, d);
    if (st != GMM_OK) return st;
    /* Reverse both axes in place: swap (i, j) with (d-1-i, d-1-j). */
    for (size_t a = 0, b = d * d - 1; a < b; a++, b--) {
        double t = U[a];
        U[a] = U[b];
        U[b] = t;
    }
    double ld = 0.0;
    for (size_t i = 0; i < d; i++) ld += log(U[i * d + i]);
    *log_det = ld;
    return GMM_OK;
}

gmm_status gmm_covariance_from_precision_cholesky(const double *GMM_RESTRICT U, size_t d,
                                                  double *GMM_RESTRICT cov) {
    if (d == 0 || !U || !cov) return GMM_ERR_ARGUMENT;
    for (size_t i = 0; i < d; i++) {
        if (!(U[i * d + i] > 0.0) || !isfinite(U[i * d + i])) return GMM_ERR_NOT_PD;
        for (size_t j = 0; j < d; j++) cov[i * d + j] = j >= i ? U[i * d + j] : 0.0;
    }
    invert_upper_inplace(cov, d);  /* V = U^-1 */
    /* cov = V^T V; cov[i][j] (j >= i) = sum_{p<=i} V[p][i] V[p][j]. Descending (i, j) keeps
     * every V entry still needed unwritten. */
    for (size_t i = d; i-- > 0;)
        for (size_t j = d; j-- > i;) {
            double s = 0.0;
            for (size_t p = 0; p <= i; p++) s += cov[p * d + i] * cov[p * d + j];
            cov[i * d + j] = s;
        }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++) cov[i * d + j] = cov[j * d + i];
    return GMM_OK;
}
