/* AVX2/FMA E-step kernels. Same contracts as the reference twins in ref/estep_ref.c.
 *
 * Points run along the SIMD lanes (the block is transposed), so small d vectorizes as well
 * as large d, and |y|^2 accumulates vertically with no horizontal sums. The triangular
 * product is computed as y = x U - mu U (REFERENCE.md's form: mu U once per component and
 * block, no centred copy of the block), register-blocked as 4 vectors of points (16) by 3
 * columns of U: 12 independent accumulators keep both FMA pipes busy, each loaded vector of
 * features feeds three FMAs (7 loads per 12 FMAs), and only i <= j is visited. The driver hands the kernels data
 * already shifted by a centre near the means, so x U and mu U stay of the data's spread, not
 * of its offset. */
#include "gmm_estep.h"
#include "vmath_avx2.h"
#include "lse_avx2.h"

/* Adds |(x U - mu U)_j..j+nc-1|^2 to sq[0..nv) (in memory, so the 12 accumulators of a
 * 4 x 3 tile fit the 16 registers) for nv (1..4) vectors of points at X; b = -mu U. */
GMM_AVX2_INLINE void full_cols(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT b,
                               const double *GMM_RESTRICT U, size_t j, double *GMM_RESTRICT sq, const int nv, const int nc) {
    __m256d y[3][4];
    for (int c = 0; c < nc; c++) {
        __m256d bc = _mm256_broadcast_sd(b + j + c);
        for (int v = 0; v < nv; v++) y[c][v] = bc;
    }
    for (size_t i = 0; i <= j; i++) {
        __m256d u[3];
        for (int c = 0; c < nc; c++) u[c] = _mm256_broadcast_sd(U + i * d + j + c);
        for (int v = 0; v < nv; v++) {
            __m256d x = _mm256_loadu_pd(X + i * ldx + 4 * v);
            for (int c = 0; c < nc; c++) y[c][v] = _mm256_fmadd_pd(x, u[c], y[c][v]);
        }
    }
    for (int e = 1; e < nc; e++) {
        const size_t i = j + e;
        for (int v = 0; v < nv; v++) {
            __m256d x = _mm256_loadu_pd(X + i * ldx + 4 * v);
            for (int c = e; c < nc; c++) y[c][v] = _mm256_fmadd_pd(x, _mm256_broadcast_sd(U + i * d + j + c), y[c][v]);
        }
    }
    for (int v = 0; v < nv; v++) {
        __m256d s = _mm256_loadu_pd(sq + 4 * v);
        for (int c = 0; c < nc; c++) s = _mm256_fmadd_pd(y[c][v], y[c][v], s);
        _mm256_storeu_pd(sq + 4 * v, s);
    }
}

GMM_AVX2_INLINE void full_tile(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT b,
                               const double *GMM_RESTRICT U, __m256d c, double *GMM_RESTRICT out, const int nv) {
    /* The tile's |y|^2 lives in the output row itself until the end. */
    for (int v = 0; v < nv; v++) _mm256_storeu_pd(out + 4 * v, _mm256_setzero_pd());
    size_t j = 0;
    for (; j + 3 <= d; j += 3) full_cols(X, ldx, d, b, U, j, out, nv, 3);
    if (d - j == 2) full_cols(X, ldx, d, b, U, j, out, nv, 2);
    else if (d - j == 1) full_cols(X, ldx, d, b, U, j, out, nv, 1);
    const __m256d half = _mm256_set1_pd(0.5);
    for (int v = 0; v < nv; v++) _mm256_storeu_pd(out + 4 * v, _mm256_fnmadd_pd(half, _mm256_loadu_pd(out + 4 * v), c));
}

GMM_AVX2 gmm_status gmm_logprob_full_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                          size_t d, size_t K, const double *GMM_RESTRICT means,
                                          const double *GMM_RESTRICT prec_chol,
                                          const double *GMM_RESTRICT log_norm,
                                          double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                          size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 4;
    gmm_prefetcher pf = gmm_prefetcher_start(next, K * ((nvec + 3) / 4));
    double *b = work;  /* -mu U, d values */
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d;
        const double *U = prec_chol + k * d * d;
        /* b = -mu U by rows of U: short independent updates, no long dependency chain. */
        for (size_t jj = 0; jj < d; jj++) b[jj] = 0.0;
        for (size_t i = 0; i < d; i++) {
            const double m = mu[i];
            for (size_t jj = i; jj < d; jj++) b[jj] -= m * U[i * d + jj];
        }
        __m256d c = _mm256_broadcast_sd(log_norm + k);
        double *out = logp + k * ldl;
        size_t v = 0;
        for (; v + 4 <= nvec; v += 4) {
            gmm_prefetcher_step(&pf);
            full_tile(Xt + 4 * v, ldx, d, b, U, c, out + 4 * v, 4);
        }
        gmm_prefetcher_step(&pf);
        if (nvec - v == 3) full_tile(Xt + 4 * v, ldx, d, b, U, c, out + 4 * v, 3);
        else if (nvec - v == 2) full_tile(Xt + 4 * v, ldx, d, b, U, c, out + 4 * v, 2);
        else if (nvec - v == 1) full_tile(Xt + 4 * v, ldx, d, b, U, c, out + 4 * v, 1);
    }
    return GMM_OK;
}

/* C components x V vectors of points (4 x 2 at most): per feature t = x p - mu p (one FMA,
 * independent of the sum) then acc += t t, so each accumulator's chain grows by one FMA per
 * feature; 8 chains and 16 FMAs per feature keep both pipes busy, and each loaded vector of
 * points serves four components (10 loads per 16 FMAs, no centring pass). */
GMM_AVX2_INLINE void diag_tile(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT P,
                               const double *GMM_RESTRICT Bc, const double *GMM_RESTRICT log_norm,
                               double *GMM_RESTRICT out, size_t ldl, const int C, const int V) {
    __m256d acc[4][2];
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++) acc[c][v] = _mm256_setzero_pd();
    for (size_t i = 0; i < d; i++) {
        __m256d x[2];
        for (int v = 0; v < V; v++) x[v] = _mm256_loadu_pd(X + i * ldx + 4 * v);
        for (int c = 0; c < C; c++) {
            const __m256d p = _mm256_broadcast_sd(P + c * d + i), b = _mm256_broadcast_sd(Bc + c * d + i);
            for (int v = 0; v < V; v++) {
                const __m256d t = _mm256_fmadd_pd(x[v], p, b);
                acc[c][v] = _mm256_fmadd_pd(t, t, acc[c][v]);
            }
        }
    }
    const __m256d half = _mm256_set1_pd(0.5);
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++)
            _mm256_storeu_pd(out + c * ldl + 4 * v, _mm256_fnmadd_pd(half, acc[c][v], _mm256_broadcast_sd(log_norm + c)));
}

/* t = x p - mu p as in the full kernel's x U - mu U: the block is centred near the means, so
 * the rounding of mu p costs digits only in proportion to the centre's distance from the
 * component, in standard deviations. work: 4*d doubles (-mu p of four components). */
GMM_AVX2 gmm_status gmm_logprob_diag_avx2(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                          size_t d, size_t K, const double *GMM_RESTRICT means,
                                          const double *GMM_RESTRICT prec_chol,
                                          const double *GMM_RESTRICT log_norm,
                                          double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                          size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = Bp / 4;
    gmm_prefetcher pf = gmm_prefetcher_start(next, ((K + 3) / 4) * ((nvec + 1) / 2));
    double *Bc = work;
    for (size_t k0 = 0; k0 < K; k0 += 4) {
        const int C = (int)(K - k0 < 4 ? K - k0 : 4);
        const double *P = prec_chol + k0 * d;
        for (size_t q = 0; q < (size_t)C * d; q++) Bc[q] = -means[k0 * d + q] * P[q];
        double *out = logp + k0 * ldl;
        for (size_t v = 0; v < nvec; v += 2) {
            const int V = nvec - v < 2 ? 1 : 2;
            gmm_prefetcher_step(&pf);
#define DT(c, w) diag_tile(Xt + 4 * v, ldx, d, P, Bc, log_norm + k0, out + 4 * v, ldl, c, w)
#define DT_V(c) do { if (V == 2) DT(c, 2); else DT(c, 1); } while (0)
            if (C == 4) DT_V(4); else if (C == 3) DT_V(3); else if (C == 2) DT_V(2); else DT_V(1);
#undef DT_V
#undef DT
        }
    }
    return GMM_OK;
}

/* Pass 2 of the log-sum-exp (lse_avx2.h): e = exp(logp - mx) in place and sum[n] = sum_k e
 * (in k order), one component row at a time in two sweeps: gmm_vexp_reduce turns the row's
 * x = logp - mx into (r, scale bits), then gmm_vexp_finish evaluates the polynomial and
 * scales. Each sweep keeps its few constants in registers. Fused, the exponential's 17
 * constants and the temporaries of the exponentials in flight did not fit the 16 registers,
 * and reloading them cost more than the sweeps' extra loads and stores (measured per
 * 256 x 16 block: 0.77-0.86 x the fused pass's time, results bit for bit the same). */
GMM_AVX2_INLINE void lse_exp_pass(double *GMM_RESTRICT logp, size_t ldl, size_t nv, size_t K,
                                  const double *GMM_RESTRICT mx, double *GMM_RESTRICT sum) {
    double r_row[GMM_BLOCK_MAX], k_row[GMM_BLOCK_MAX];
    for (size_t v = 0; v < nv; v++) _mm256_storeu_pd(sum + 4 * v, _mm256_setzero_pd());
    for (size_t k = 0; k < K; k++) {
        double *row = logp + k * ldl;
        for (size_t v = 0; v < nv; v++) {
            __m256d r, kt;
            gmm_vexp_reduce(_mm256_sub_pd(_mm256_loadu_pd(row + 4 * v), _mm256_loadu_pd(mx + 4 * v)), &r, &kt);
            _mm256_storeu_pd(r_row + 4 * v, r);
            _mm256_storeu_pd(k_row + 4 * v, kt);
        }
        for (size_t v = 0; v < nv; v++) {
            const __m256d e = gmm_vexp_finish(_mm256_loadu_pd(r_row + 4 * v), _mm256_loadu_pd(k_row + 4 * v));
            _mm256_storeu_pd(row + 4 * v, e);
            _mm256_storeu_pd(sum + 4 * v, _mm256_add_pd(_mm256_loadu_pd(sum + 4 * v), e));
        }
    }
}

GMM_AVX2 gmm_status gmm_lse_resp_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                      double *GMM_RESTRICT lse) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldl || K == 0) return GMM_ERR_ARGUMENT;
    double mx[GMM_BLOCK_MAX], sum[GMM_BLOCK_MAX];
    for (size_t n0 = 0; n0 < Bp; n0 += GMM_BLOCK_MAX) {
        const size_t len = Bp - n0 < GMM_BLOCK_MAX ? Bp - n0 : GMM_BLOCK_MAX, nv = len / 4;
        gmm_lse_max_pass(logp + n0, ldl, nv, K, mx);
        lse_exp_pass(logp + n0, ldl, nv, K, mx, sum);
        gmm_lse_finish_pass(nv, B - n0, mx, sum, lse + n0);
        gmm_lse_scale_pass(logp + n0, ldl, nv, K, sum);
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = Bp; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}

GMM_AVX2 gmm_status gmm_hard_assign_avx2(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                         double *GMM_RESTRICT best, int32_t *GMM_RESTRICT label) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldl || K == 0) return GMM_ERR_ARGUMENT;
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
    for (size_t n = 0; n < Bp; n += 4) {
        /* Running maximum and its index (as a double); strict > keeps the first maximum. */
        __m256d m = _mm256_loadu_pd(logp + n), arg = _mm256_setzero_pd();
        for (size_t k = 1; k < K; k++) {
            __m256d v = _mm256_loadu_pd(logp + k * ldl + n);
            __m256d gt = _mm256_cmp_pd(v, m, _CMP_GT_OQ);
            m = _mm256_blendv_pd(m, v, gt);
            arg = _mm256_blendv_pd(arg, _mm256_set1_pd((double)k), gt);
        }
        __m256d valid = _mm256_castsi256_pd(
            _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(B > n ? B - n : 0)), lane));
        for (size_t k = 0; k < K; k++) {
            __m256d hit = _mm256_and_pd(_mm256_cmp_pd(arg, _mm256_set1_pd((double)k), _CMP_EQ_OQ), valid);
            _mm256_storeu_pd(logp + k * ldl + n, _mm256_and_pd(hit, one));
        }
        double mb[4], ab[4];
        _mm256_storeu_pd(mb, m);
        _mm256_storeu_pd(ab, arg);
        for (size_t q = 0; q < 4 && n + q < B; q++) {
            best[n + q] = mb[q];
            label[n + q] = (int32_t)ab[q];
        }
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = Bp; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}
