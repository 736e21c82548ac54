/* Reference block loading (see gmm_layout.h). */
#include <math.h>
#include "gmm_layout.h"

static void zero_tail(size_t rows, size_t d, double *Xt, size_t ldx) {
    for (size_t i = 0; i < d; i++)
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0;
}

gmm_status gmm_load_block_f64_ref(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                  const double *GMM_RESTRICT center, double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d) return GMM_ERR_ARGUMENT;
    const double *x = (const double *)X;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < d; i++) Xt[i * ldx + r] = x[r * ldX + i] - (center ? center[i] : 0.0);
    zero_tail(rows, d, Xt, ldx);
    return GMM_OK;
}

gmm_status gmm_load_block_f32_ref(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                  const double *GMM_RESTRICT center, double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d) return GMM_ERR_ARGUMENT;
    const float *x = (const float *)X;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < d; i++) Xt[i * ldx + r] = (double)x[r * ldX + i] - (center ? center[i] : 0.0);
    zero_tail(rows, d, Xt, ldx);
    return GMM_OK;
}

long gmm_first_nonfinite(const void *X, int float32, size_t count) {
    /* x - x is 0 for finite x and NaN otherwise; checking a block's sum first keeps the loop
     * vectorizable, and only a block that fails is searched element by element. */
    const size_t chunk = 4096;
    for (size_t start = 0; start < count; start += chunk) {
        size_t end = start + chunk < count ? start + chunk : count;
        double probe = 0.0;
        if (float32) {
            const float *x = (const float *)X;
            float p = 0.0f;
            for (size_t i = start; i < end; i++) p += x[i] - x[i];
            probe = p;
        } else {
            const double *x = (const double *)X;
            for (size_t i = start; i < end; i++) probe += x[i] - x[i];
        }
        if (probe == 0.0) continue;
        for (size_t i = start; i < end; i++) {
            double v = float32 ? (double)((const float *)X)[i] : ((const double *)X)[i];
            if (!isfinite(v)) return (long)i;
        }
    }
    return -1;
}

gmm_status gmm_column_ranges(const void *X, int float32, size_t rows, size_t d, size_t ldX,
                             double *GMM_RESTRICT lo, double *GMM_RESTRICT hi) {
    if (!X || !lo || !hi || rows == 0 || d == 0 || ldX < d) return GMM_ERR_ARGUMENT;
    for (size_t i = 0; i < d; i++) {
        lo[i] = float32 ? (double)((const float *)X)[i] : ((const double *)X)[i];
        hi[i] = lo[i];
    }
    /* Row by row with branch-free selects, so the column loop vectorizes; x - x is 0 for
     * finite x and NaN otherwise, so one sum tells whether every value was finite. */
    double probe = 0.0;
    for (size_t r = 0; r < rows; r++) {
        if (float32) {
            const float *x = (const float *)X + r * ldX;
            for (size_t i = 0; i < d; i++) {
                double v = x[i];
                probe += v - v;
                lo[i] = v < lo[i] ? v : lo[i];
                hi[i] = v > hi[i] ? v : hi[i];
            }
        } else {
            const double *x = (const double *)X + r * ldX;
            for (size_t i = 0; i < d; i++) {
                double v = x[i];
                probe += v - v;
                lo[i] = v < lo[i] ? v : lo[i];
                hi[i] = v > hi[i] ? v : hi[i];
            }
        }
    }
    return probe == 0.0 ? GMM_OK : GMM_ERR_NONFINITE;
}
