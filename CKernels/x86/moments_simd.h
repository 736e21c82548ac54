/* The shared-origin moments (gmm_moments_fn) for one register budget: included by
 * mstep_avx2.c (M_CMAX = 2 components per tile, 16 registers) and mstep_avx512.c (M_CMAX = 4,
 * the 32 registers of AVX-512VL), which define M_INLINE (the target attribute) and M_NAME.
 * Both run 4 points per vector: each accumulator (component, feature row) sums its lanes over
 * the block's vectors in the same order and folds them the same way, so the tile size changes
 * no bit.
 *
 * Rows of the shared "feature matrix" (the block's x_i and products x_i x_j, or x_i^2 for
 * diagonal covariances) go through in batches of up to six; each batch meets the components
 * M_CMAX at a time in M_CMAX x R register tiles: per vector of points, M_CMAX responsibility
 * loads and R feature loads feed M_CMAX R independent FMAs (AVX2: 8 loads per 12 FMAs at
 * R = 6; AVX-512VL: 10 per 24), no centring and no per-component weighting pass. Each product
 * row is formed once per block and serves every component. */
#define MOMENTS_BATCH 6

typedef struct M_NAME(moments_batch) {
    const double *row[MOMENTS_BATCH];  /* feature rows over the block's points */
    double *dst[MOMENTS_BATCH];        /* component 0's output; component k at + k * kstride */
    size_t kstride[MOMENTS_BATCH];
    int count;
} M_NAME(moments_batch);

M_INLINE void M_NAME(moments_tile)(const M_NAME(moments_batch) *b, const double *GMM_RESTRICT gamma, size_t ldg,
                                   size_t nvec, size_t k, const int R, const int C) {
    __m256d acc[M_CMAX][MOMENTS_BATCH];
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++) acc[c][r] = _mm256_setzero_pd();
    for (size_t v = 0; v < nvec; v++) {
        __m256d a[M_CMAX];
        for (int c = 0; c < C; c++) a[c] = _mm256_loadu_pd(gamma + (k + (size_t)c) * ldg + 4 * v);
        for (int r = 0; r < R; r++) {
            const __m256d p = _mm256_loadu_pd(b->row[r] + 4 * v);
            for (int c = 0; c < C; c++) acc[c][r] = _mm256_fmadd_pd(a[c], p, acc[c][r]);
        }
    }
    /* Fold the lane sums four accumulators at a time. */
    __m256d all[M_CMAX * MOMENTS_BATCH + 3];
    int m = 0;
    for (int c = 0; c < C; c++)
        for (int r = 0; r < R; r++) all[m++] = acc[c][r];
    const int used = m;
    while (m % 4) all[m++] = _mm256_setzero_pd();
    double sums[M_CMAX * MOMENTS_BATCH + 3];
    for (int q = 0; q < m; q += 4) _mm256_storeu_pd(sums + q, gmm_hsum4(all[q], all[q + 1], all[q + 2], all[q + 3]));
    for (int q = 0; q < used; q++) {
        const int c = q / R, r = q % R;
        b->dst[r][(k + (size_t)c) * b->kstride[r]] += sums[q];
    }
}

M_INLINE void M_NAME(moments_flush)(M_NAME(moments_batch) *b, const double *GMM_RESTRICT gamma, size_t ldg, size_t K,
                                    size_t nvec) {
    size_t k = 0;
#define MT(R, C) M_NAME(moments_tile)(b, gamma, ldg, nvec, k, R, C)
#define MT_ALL(C)                                                                             \
    switch (b->count) {                                                                       \
    case 6: MT(6, C); break;                                                                  \
    case 5: MT(5, C); break;                                                                  \
    case 4: MT(4, C); break;                                                                  \
    case 3: MT(3, C); break;                                                                  \
    case 2: MT(2, C); break;                                                                  \
    default: MT(1, C); break;                                                                 \
    }
    for (; k + M_CMAX <= K; k += M_CMAX) MT_ALL(M_CMAX)
#if M_CMAX > 3
    if (K - k == 3) MT_ALL(3)
#endif
#if M_CMAX > 2
    if (K - k == 2) MT_ALL(2)
#endif
    if (K - k == 1) MT_ALL(1)
#undef MT_ALL
#undef MT
    b->count = 0;
}

/* Adds a feature row to the batch, flushing it when full. */
M_INLINE void M_NAME(moments_push)(M_NAME(moments_batch) *b, const double *row, double *dst, size_t kstride,
                                   const double *GMM_RESTRICT gamma, size_t ldg, size_t K, size_t nvec) {
    b->row[b->count] = row;
    b->dst[b->count] = dst;
    b->kstride[b->count] = kstride;
    if (++b->count == MOMENTS_BATCH) M_NAME(moments_flush)(b, gamma, ldg, K, nvec);
}

/* Product row p = x_i x_j in the batch's next free slot of work (slots restart with a batch). */
M_INLINE double *M_NAME(moments_product)(const M_NAME(moments_batch) *b, int *slot, double *work, size_t ldx,
                                         const double *xi, const double *xj, size_t nvec) {
    if (b->count == 0) *slot = 0;
    double *p = work + (size_t)(*slot)++ * ldx;
    for (size_t v = 0; v < nvec; v++)
        _mm256_storeu_pd(p + 4 * v, _mm256_mul_pd(_mm256_loadu_pd(xi + 4 * v), _mm256_loadu_pd(xj + 4 * v)));
    return p;
}

/* First moments from the block's own rows, then second ones from product rows: x_i x_j
 * (j >= i) for full covariances, x_i^2 for diagonal ones. Product rows need at most
 * min(6, rows) slots: within 2*d*ldx for every d. */
M_INLINE gmm_status M_NAME(moments)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                    const double *GMM_RESTRICT gamma, size_t ldg, double *GMM_RESTRICT work,
                                    double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2,
                                    const int full) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 4;
    for (size_t k = 0; k < K; k++) nk[k] += gmm_sum_padded(gamma + k * ldg, Bp);
    M_NAME(moments_batch) b;
    b.count = 0;
    int slot = 0;
    for (size_t i = 0; i < d; i++) M_NAME(moments_push)(&b, Xt + i * ldx, s1 + i, d, gamma, ldg, K, nvec);
    for (size_t i = 0; i < d; i++) {
        const double *xi = Xt + i * ldx;
        if (!full) {
            M_NAME(moments_push)(&b, M_NAME(moments_product)(&b, &slot, work, ldx, xi, xi, nvec), s2 + i, d, gamma, ldg, K, nvec);
            continue;
        }
        for (size_t j = i; j < d; j++)
            M_NAME(moments_push)(&b, M_NAME(moments_product)(&b, &slot, work, ldx, xi, Xt + j * ldx, nvec), s2 + i * d + j, d * d,
                                 gamma, ldg, K, nvec);
    }
    if (b.count) M_NAME(moments_flush)(&b, gamma, ldg, K, nvec);
    return GMM_OK;
}

GMM_TARGET_FN gmm_status M_NAME(gmm_moments_full)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                                  size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                                  double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                                  double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    return M_NAME(moments)(Xt, ldx, B, d, K, gamma, ldg, work, nk, s1, s2, 1);
}

GMM_TARGET_FN gmm_status M_NAME(gmm_moments_diag)(const double *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d,
                                                  size_t K, const double *GMM_RESTRICT gamma, size_t ldg,
                                                  double *GMM_RESTRICT work, double *GMM_RESTRICT nk,
                                                  double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    return M_NAME(moments)(Xt, ldx, B, d, K, gamma, ldg, work, nk, s1, s2, 0);
}
