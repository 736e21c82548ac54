/* Reference block loading (see gmm_layout.h). */
#include "gmm_layout.h"

static void zero_tail(size_t rows, size_t d, double *Xt, size_t ldx) {
    for (size_t i = 0; i < d; i++)
        for (size_t r = rows; r < ldx; r++) Xt[i * ldx + r] = 0.0;
}

gmm_status gmm_load_block_f64_ref(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                  double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d) return GMM_ERR_ARGUMENT;
    const double *x = (const double *)X;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < d; i++) Xt[i * ldx + r] = x[r * ldX + i];
    zero_tail(rows, d, Xt, ldx);
    return GMM_OK;
}

gmm_status gmm_load_block_f32_ref(const void *GMM_RESTRICT X, size_t ldX, size_t rows, size_t d,
                                  double *GMM_RESTRICT Xt, size_t ldx) {
    if (rows > ldx || ldX < d) return GMM_ERR_ARGUMENT;
    const float *x = (const float *)X;
    for (size_t r = 0; r < rows; r++)
        for (size_t i = 0; i < d; i++) Xt[i * ldx + r] = (double)x[r * ldX + i];
    zero_tail(rows, d, Xt, ldx);
    return GMM_OK;
}
