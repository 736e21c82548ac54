/* Block loading: rows of the caller's data (float64 or float32, row-major) become the
 * transposed float64 block the E- and M-step kernels read. float32 data are widened here, a
 * block at a time, so the dataset is never converted as a whole and every sum is float64. */
#ifndef GMM_LAYOUT_H
#define GMM_LAYOUT_H
#include "gmm_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Xt[i*ldx + r] = X[r*ldX + i] - center[i] for r < rows, i < d (center may be NULL: no
 *  shift); columns [rows, ldx) are set to 0. X points to doubles (…_f64) or floats (…_f32).
 *  The subtraction is done in float64 after widening. */
typedef gmm_status (*gmm_load_block_fn)(const void *GMM_RESTRICT X, size_t ldX, size_t rows,
                                        size_t d, const double *GMM_RESTRICT center,
                                        double *GMM_RESTRICT Xt, size_t ldx);

/** Index of the first NaN or infinite value among X[0..count) (doubles, or floats when
 *  float32 is nonzero), or -1 when all are finite. */
long gmm_first_nonfinite(const void *X, int float32, size_t count);

/** Per-column minimum and maximum of rows x d values of doubles (or floats when float32 is
 *  nonzero), row r starting at X + r*ldX elements, into lo[d] and hi[d], in one pass that
 *  also checks every value is finite: GMM_ERR_NONFINITE if one is not (lo and hi are then
 *  meaningless), GMM_ERR_ARGUMENT for rows or d of 0 or ldX < d. */
gmm_status gmm_column_ranges(const void *X, int float32, size_t rows, size_t d, size_t ldX,
                             double *GMM_RESTRICT lo, double *GMM_RESTRICT hi);

gmm_status gmm_load_block_f64_ref(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                  const double *GMM_RESTRICT center, double *GMM_RESTRICT Xt, size_t ldx);
gmm_status gmm_load_block_f32_ref(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                  const double *GMM_RESTRICT center, double *GMM_RESTRICT Xt, size_t ldx);
gmm_status gmm_load_block_f64_avx2(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                   const double *GMM_RESTRICT center, double *GMM_RESTRICT Xt, size_t ldx);
gmm_status gmm_load_block_f32_avx2(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                   const double *GMM_RESTRICT center, double *GMM_RESTRICT Xt, size_t ldx);

#ifdef __cplusplus
}
#endif
#endif
