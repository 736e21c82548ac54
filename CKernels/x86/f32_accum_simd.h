/* float32 full-covariance statistics (gmm_accum32_fn) for one register budget: included by
 * f32_avx2.c (A32_RMAX = 3 weighted rows per tile, 16 registers) and f32_avx512.c (6, the 32
 * registers of AVX-512VL), which define A32_INLINE, A32_FN and A32_NAME. Both run 8 floats per
 * vector with the same per-accumulator arithmetic, so the tile size changes no bit. Also the
 * float lane folds the AVX2 float32 kernels share. */

A32_INLINE double hsum8(__m256 v) {
    __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), b = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    return gmm_hsum(_mm256_add_pd(a, b));
}

/* The eight horizontal sums of a0..a7 as one vector (float adds: a transpose by hadd). */
A32_INLINE __m256 hsum8x8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5, __m256 a6, __m256 a7) {
    const __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    const __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20), _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/* The float32 moments run with subnormals flushed to zero (MXCSR FTZ and DAZ, restored on
 * return): responsibilities below FLT_MIN and the products they make are subnormal, and each
 * subnormal operand or result costs a microcode assist: a 100k x 64, K = 32 float32 pass ran
 * 16x slower (4.6 s against 0.28 s per iteration, 90 % of it here). What is flushed is below
 * 1.2e-38 in the data's scaled coordinates: far under float32's own rounding of any sum it
 * enters (Nk is summed from the double responsibilities, unflushed). */
#define GMM_FTZ_DAZ 0x8040u
A32_INLINE unsigned flush_subnormals(void) {
    const unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | GMM_FTZ_DAZ);
    return csr;
}

/* gamma (double) -> float, 8 at a time. */
A32_INLINE void narrow(const double *g, size_t Bp, float *g32) {
    for (size_t n = 0; n < Bp; n += 8) {
        __m128 lo = _mm256_cvtpd_ps(_mm256_loadu_pd(g + n)), hi = _mm256_cvtpd_ps(_mm256_loadu_pd(g + n + 4));
        _mm256_storeu_ps(g32 + n, _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1));
    }
}

/* W_r = g * (x_r - s_r) for R (1..A32_RMAX) rows at once (one load of g serves all), and their
 * float32 sums (two chains per row, 8 lanes) folded to double into w1. */
A32_INLINE void weight_rows32(const float *X, size_t ldx, const float *g, const float *sh, size_t Bp, float *W,
                                   double *w1, const int R) {
    __m256 m[A32_RMAX], acc[A32_RMAX][2];
    for (int r = 0; r < R; r++) {
        m[r] = _mm256_set1_ps(sh[r]);
        acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    }
    size_t n = 0;
    for (; n + 16 <= Bp; n += 16)
        for (int q = 0; q < 2; q++) {
            const __m256 gv = _mm256_loadu_ps(g + n + 8 * q);
            for (int r = 0; r < R; r++) {
                const __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(X + r * ldx + n + 8 * q), m[r]), gv);
                _mm256_storeu_ps(W + r * ldx + n + 8 * q, v);
                acc[r][q] = _mm256_add_ps(acc[r][q], v);
            }
        }
    for (; n < Bp; n += 8) {
        const __m256 gv = _mm256_loadu_ps(g + n);
        for (int r = 0; r < R; r++) {
            const __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(X + r * ldx + n), m[r]), gv);
            _mm256_storeu_ps(W + r * ldx + n, v);
            acc[r][0] = _mm256_add_ps(acc[r][0], v);
        }
    }
    for (int r = 0; r < R; r++) w1[r] = hsum8(_mm256_add_ps(acc[r][0], acc[r][1]));
}

/* T[r][c] = sum over the block of W[i+r] X[j+c] (raw columns: no centring on the fly) from an
 * A32_RMAX x 4 float32 register tile (AVX2: 12 independent accumulators, 7 loads per 12 FMAs;
 * AVX-512VL: 24, 10 loads per 24 FMAs). Each accumulator's lanes fold the same way whatever
 * its place in the tile, so the tile size changes no bit. */
A32_INLINE void s2_tile32(const float *W, const float *X, size_t ldx, size_t nvec, size_t j, double T[A32_RMAX][4],
                          const int R, const int C) {
    __m256 acc[A32_RMAX][4];
    for (int r = 0; r < A32_RMAX; r++)
        for (int c = 0; c < 4; c++) acc[r][c] = _mm256_setzero_ps();
    for (size_t v = 0; v < nvec; v++) {
        __m256 a[A32_RMAX];
        for (int r = 0; r < R; r++) a[r] = _mm256_loadu_ps(W + r * ldx + 8 * v);
        for (int c = 0; c < C; c++) {
            const __m256 b = _mm256_loadu_ps(X + (j + c) * ldx + 8 * v);
            for (int r = 0; r < R; r++) acc[r][c] = _mm256_fmadd_ps(a[r], b, acc[r][c]);
        }
    }
    /* Lane sums of the accumulators in 8-way folds (float), two rows per fold. */
    const __m256 z = _mm256_setzero_ps();
    float sums[4 * A32_RMAX + 4];
    for (int r = 0; r < R; r += 2)
        _mm256_storeu_ps(sums + 4 * r, hsum8x8(acc[r][0], acc[r][1], acc[r][2], acc[r][3], r + 1 < R ? acc[r + 1][0] : z,
                                               r + 1 < R ? acc[r + 1][1] : z, r + 1 < R ? acc[r + 1][2] : z, r + 1 < R ? acc[r + 1][3] : z));
    for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) T[r][c] = sums[4 * r + c];
}

/* Per component: rows weighted three at a time, W = g (x - s) (their sums are S1), then
 * sum W_i (x_j - s_j) = sum W_i x_j - s_j S1_i: the tiles read the block's rows as they are,
 * so the column side needs no centring pass or shift registers. The raw x_j are centred on
 * the driver's centre, near the means, so the products stay of the data's spread. */
A32_FN gmm_status A32_NAME(gmm_accum32_full)(const float *GMM_RESTRICT Xt, size_t ldx, size_t B, size_t d, size_t K,
                                          const double *GMM_RESTRICT gamma, size_t ldg,
                                          const double *GMM_RESTRICT shift, float *GMM_RESTRICT work,
                                          double *GMM_RESTRICT nk, double *GMM_RESTRICT s1, double *GMM_RESTRICT s2) {
    const size_t Bp = gmm_round8(B);
    if (Bp > ldx || Bp > ldg || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 8;
    float *g32 = work, *W = work + ldx;  /* g32: 1 row, W: min(d, A32_RMAX) rows */
    const unsigned csr = flush_subnormals();
    for (size_t k = 0; k < K; k++) {
        const double *g = gamma + k * ldg, *s = shift + k * d;
        nk[k] += gmm_sum_padded(g, Bp);
        narrow(g, Bp, g32);
        double *S2 = s2 + k * d * d;
        for (size_t i = 0; i < d; i += A32_RMAX) {
            const int R = (int)(d - i < A32_RMAX ? d - i : A32_RMAX);
            float sh[A32_RMAX];
            for (int r = 0; r < A32_RMAX; r++) sh[r] = r < R ? (float)s[i + (size_t)r] : 0.0f;
            double w1[A32_RMAX];
            switch (R) {
#if A32_RMAX > 3
            case 6: weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 6); break;
            case 5: weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 5); break;
            case 4: weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 4); break;
#endif
            case 3: weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 3); break;
            case 2: weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 2); break;
            default: weight_rows32(Xt + i * ldx, ldx, g32, sh, Bp, W, w1, 1); break;
            }
            for (int r = 0; r < R; r++) s1[k * d + i + r] += w1[r];
            for (size_t j = i; j < d; j += 4) {
                const int C = (int)(d - j < 4 ? d - j : 4);
                double T[A32_RMAX][4];
#define TILE(r, c) s2_tile32(W, Xt, ldx, nvec, j, T, r, c)
#define TILE_C(r) do { if (C == 4) TILE(r, 4); else if (C == 3) TILE(r, 3); else if (C == 2) TILE(r, 2); else TILE(r, 1); } while (0)
                switch (R) {
#if A32_RMAX > 3
                case 6: TILE_C(6); break;
                case 5: TILE_C(5); break;
                case 4: TILE_C(4); break;
#endif
                case 3: TILE_C(3); break;
                case 2: TILE_C(2); break;
                default: TILE_C(1); break;
                }
#undef TILE_C
#undef TILE
                for (int r = 0; r < R; r++)
                    for (int c = 0; c < C; c++)
                        if (j + c >= i + (size_t)r) S2[(i + r) * d + j + c] += T[r][c] - s[j + c] * w1[r];
            }
        }
    }
    _mm_setcsr(csr);
    return GMM_OK;
}

