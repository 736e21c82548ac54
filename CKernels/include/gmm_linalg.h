/* Small dense linear algebra for d x d matrices (row-major), run once per component per
 * iteration: O(K d^3), off the hot path, so one scalar implementation serves every ISA. */
#ifndef GMM_LINALG_H
#define GMM_LINALG_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** U (upper, zeros below) with U U^T = inverse(cov), from cov = L L^T: U = (L^-1)^T.
 *  *log_det = sum_i log U[i,i] = -1/2 log det(cov). GMM_ERR_NOT_PD if cov is not PD. */
gmm_status gmm_precision_cholesky_from_covariance(const double *GMM_RESTRICT cov, size_t d,
                                                  double *GMM_RESTRICT U, double *log_det);

/** U (upper, zeros below) with U U^T = prec, via the Cholesky factor of J prec J (J reverses
 *  the order), as scikit-learn does for precisions_init. */
gmm_status gmm_precision_cholesky_from_precision(const double *GMM_RESTRICT prec, size_t d,
                                                 double *GMM_RESTRICT U, double *log_det);

/** cov = inverse(U U^T) = U^-T U^-1 for an upper triangular U with a positive diagonal. */
gmm_status gmm_covariance_from_precision_cholesky(const double *GMM_RESTRICT U, size_t d,
                                                  double *GMM_RESTRICT cov);

#ifdef __cplusplus
}
#endif
#endif
