/* AVX-512 E-step kernels (AVX-512 F/VL/DQ). Same contracts as the reference twins in
 * ref/estep_ref.c and the same per-point arithmetic as the AVX2 kernels in estep_avx2.c (each
 * lane runs the same FMAs in the same order), so their log-densities equal the AVX2 kernels'
 * bit for bit; only the width and the register tile change.
 *
 * diag: C components x V vectors of 8 points (4 x 4 at most): per feature t = x p - mu p
 * (one FMA) then acc += t t; 16 accumulator chains use half of the 32 registers, each loaded
 * vector of points serves four components. The last vector of a block may be half full
 * (blocks are padded to 4 points): masked loads and stores cover it. */
#include <immintrin.h>
#include "gmm_estep.h"
#include "vmath_avx2.h"  /* gmm_prefetcher: the AVX2 kernels' spread prefetch */

#define GMM_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,fma")))
#define GMM_AVX512_INLINE __attribute__((target("avx512f,avx512vl,avx512dq,fma"), always_inline)) static inline

GMM_AVX512_INLINE void diag_tile512(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT P,
                                    const double *GMM_RESTRICT Bc, const double *GMM_RESTRICT log_norm,
                                    double *GMM_RESTRICT out, size_t ldl, const int C, const int V, const __mmask8 last) {
    __m512d acc[4][4];
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++) acc[c][v] = _mm512_setzero_pd();
    for (size_t i = 0; i < d; i++) {
        __m512d x[4];
        for (int v = 0; v < V; v++) x[v] = _mm512_maskz_loadu_pd(v == V - 1 ? last : (__mmask8)0xFF, X + i * ldx + 8 * v);
        for (int c = 0; c < C; c++) {
            const __m512d p = _mm512_set1_pd(P[c * d + i]), b = _mm512_set1_pd(Bc[c * d + i]);
            for (int v = 0; v < V; v++) {
                const __m512d t = _mm512_fmadd_pd(x[v], p, b);
                acc[c][v] = _mm512_fmadd_pd(t, t, acc[c][v]);
            }
        }
    }
    const __m512d half = _mm512_set1_pd(0.5);
    for (int c = 0; c < C; c++)
        for (int v = 0; v < V; v++)
            _mm512_mask_storeu_pd(out + c * ldl + 8 * v, v == V - 1 ? last : (__mmask8)0xFF,
                                  _mm512_fnmadd_pd(half, acc[c][v], _mm512_set1_pd(log_norm[c])));
}

GMM_AVX512 gmm_status gmm_logprob_diag_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                              size_t d, size_t K, const double *GMM_RESTRICT means,
                                              const double *GMM_RESTRICT prec_chol,
                                              const double *GMM_RESTRICT log_norm,
                                              double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                              size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = (Bp + 7) / 8;  /* the last one half full when Bp is not a multiple of 8 */
    const __mmask8 tail = (Bp % 8) ? (__mmask8)0x0F : (__mmask8)0xFF;
    /* The prefetch hint: a few of the next block's lines per tile, as the AVX2 kernels do. */
    gmm_prefetcher pf = gmm_prefetcher_start(next, ((K + 3) / 4) * ((nvec + 3) / 4));
    double *Bc = work;
    for (size_t k0 = 0; k0 < K; k0 += 4) {
        const int C = (int)(K - k0 < 4 ? K - k0 : 4);
        const double *P = prec_chol + k0 * d;
        for (size_t q = 0; q < (size_t)C * d; q++) Bc[q] = -means[k0 * d + q] * P[q];
        double *out = logp + k0 * ldl;
        for (size_t v = 0; v < nvec; v += 4) {
            const int V = nvec - v < 4 ? (int)(nvec - v) : 4;
            const __mmask8 last = v + (size_t)V == nvec ? tail : (__mmask8)0xFF;
            gmm_prefetcher_step(&pf);
#define DT(c, w) diag_tile512(Xt + 8 * v, ldx, d, P, Bc, log_norm + k0, out + 8 * v, ldl, c, w, last)
#define DT_V(c) do { if (V == 4) DT(c, 4); else if (V == 3) DT(c, 3); else if (V == 2) DT(c, 2); else DT(c, 1); } while (0)
            if (C == 4) DT_V(4); else if (C == 3) DT_V(3); else if (C == 2) DT_V(2); else DT_V(1);
#undef DT_V
#undef DT
        }
    }
    return GMM_OK;
}

/* full: y = x U - mu U (b = -mu U, computed as the AVX2 kernel does), register-blocked as V
 * vectors of 8 points (up to 4) by NC columns of U (up to 6): 24 accumulator chains use the
 * 32 registers, each loaded vector of features feeds six FMAs. Per lane the same chains as
 * the AVX2 kernel (y_j from b_j over i = 0 .. j ascending, then |y|^2 += y_j^2 in column
 * order in the output row), so every bit is the AVX2 kernel's. */
GMM_AVX512_INLINE void full_cols512(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT b,
                                    const double *GMM_RESTRICT U, size_t j, double *GMM_RESTRICT sq, const int V,
                                    const int NC, const __mmask8 last) {
    __m512d y[6][4];
    for (int c = 0; c < NC; c++) {
        const __m512d bc = _mm512_set1_pd(b[j + c]);
        for (int v = 0; v < V; v++) y[c][v] = bc;
    }
    for (size_t i = 0; i <= j; i++) {
        __m512d u[6];
        for (int c = 0; c < NC; c++) u[c] = _mm512_set1_pd(U[i * d + j + c]);
        for (int v = 0; v < V; v++) {
            const __m512d x = _mm512_maskz_loadu_pd(v == V - 1 ? last : (__mmask8)0xFF, X + i * ldx + 8 * v);
            for (int c = 0; c < NC; c++) y[c][v] = _mm512_fmadd_pd(x, u[c], y[c][v]);
        }
    }
    for (int e = 1; e < NC; e++) {
        const size_t i = j + e;
        for (int v = 0; v < V; v++) {
            const __m512d x = _mm512_maskz_loadu_pd(v == V - 1 ? last : (__mmask8)0xFF, X + i * ldx + 8 * v);
            for (int c = e; c < NC; c++) y[c][v] = _mm512_fmadd_pd(x, _mm512_set1_pd(U[i * d + j + c]), y[c][v]);
        }
    }
    for (int v = 0; v < V; v++) {
        const __mmask8 m = v == V - 1 ? last : (__mmask8)0xFF;
        __m512d s = _mm512_maskz_loadu_pd(m, sq + 8 * v);
        for (int c = 0; c < NC; c++) s = _mm512_fmadd_pd(y[c][v], y[c][v], s);
        _mm512_mask_storeu_pd(sq + 8 * v, m, s);
    }
}

GMM_AVX512_INLINE void full_tile512(const double *GMM_RESTRICT X, size_t ldx, size_t d, const double *GMM_RESTRICT b,
                                    const double *GMM_RESTRICT U, double ln, double *GMM_RESTRICT out, const int V,
                                    const __mmask8 last) {
    for (int v = 0; v < V; v++) _mm512_mask_storeu_pd(out + 8 * v, v == V - 1 ? last : (__mmask8)0xFF, _mm512_setzero_pd());
    size_t j = 0;
#define FC(nc) full_cols512(X, ldx, d, b, U, j, out, V, nc, last)
    for (; j + 6 <= d; j += 6) FC(6);
    switch (d - j) {
    case 5: FC(5); break;
    case 4: FC(4); break;
    case 3: FC(3); break;
    case 2: FC(2); break;
    case 1: FC(1); break;
    default: break;
    }
#undef FC
    const __m512d half = _mm512_set1_pd(0.5), c = _mm512_set1_pd(ln);
    for (int v = 0; v < V; v++) {
        const __mmask8 m = v == V - 1 ? last : (__mmask8)0xFF;
        _mm512_mask_storeu_pd(out + 8 * v, m, _mm512_fnmadd_pd(half, _mm512_maskz_loadu_pd(m, out + 8 * v), c));
    }
}

GMM_AVX512 gmm_status gmm_logprob_full_avx512(const double *GMM_RESTRICT Xt, size_t ldx, size_t B,
                                              size_t d, size_t K, const double *GMM_RESTRICT means,
                                              const double *GMM_RESTRICT prec_chol,
                                              const double *GMM_RESTRICT log_norm,
                                              double *GMM_RESTRICT work, double *GMM_RESTRICT logp,
                                              size_t ldl, const gmm_prefetch *next) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldx || Bp > ldl || d == 0 || K == 0) return GMM_ERR_ARGUMENT;
    const size_t nvec = (Bp + 7) / 8;
    const __mmask8 tail = (Bp % 8) ? (__mmask8)0x0F : (__mmask8)0xFF;
    gmm_prefetcher pf = gmm_prefetcher_start(next, K * ((nvec + 3) / 4));
    double *b = work;  /* -mu U, d values, as the AVX2 kernel computes them */
    for (size_t k = 0; k < K; k++) {
        const double *mu = means + k * d;
        const double *U = prec_chol + k * d * d;
        for (size_t jj = 0; jj < d; jj++) b[jj] = 0.0;
        for (size_t i = 0; i < d; i++) {
            const double m = mu[i];
            for (size_t jj = i; jj < d; jj++) b[jj] -= m * U[i * d + jj];
        }
        double *out = logp + k * ldl;
        for (size_t v = 0; v < nvec; v += 4) {
            const int V = nvec - v < 4 ? (int)(nvec - v) : 4;
            const __mmask8 last = v + (size_t)V == nvec ? tail : (__mmask8)0xFF;
            gmm_prefetcher_step(&pf);
            if (V == 4) full_tile512(Xt + 8 * v, ldx, d, b, U, log_norm[k], out + 8 * v, 4, last);
            else if (V == 3) full_tile512(Xt + 8 * v, ldx, d, b, U, log_norm[k], out + 8 * v, 3, last);
            else if (V == 2) full_tile512(Xt + 8 * v, ldx, d, b, U, log_norm[k], out + 8 * v, 2, last);
            else full_tile512(Xt + 8 * v, ldx, d, b, U, log_norm[k], out + 8 * v, 1, last);
        }
    }
    return GMM_OK;
}

/* ---- Log-sum-exp and responsibilities: the AVX2 kernel's passes (lse_avx2.h, vmath_avx2.h)
 * with the same operations lane for lane, on 8 points per vector; the last vector of a
 * segment may be half full (masked). ---- */

/* exp in two halves, as gmm_vexp_reduce / gmm_vexp_finish (same constants, same order). */
GMM_AVX512_INLINE void vexp_reduce512(__m512d x, __m512d *r_out, __m512d *kt_out) {
    const __m512d shifter = _mm512_set1_pd(6755399441055744.0 + 1023.0);
    const __m512d xc = _mm512_max_pd(_mm512_set1_pd(-745.0), x);  /* NaN passes (second operand) */
    const __m512d kt = _mm512_fmadd_pd(xc, _mm512_set1_pd(1.4426950408889634), shifter);
    const __m512d kf = _mm512_sub_pd(kt, shifter);
    __m512d r = _mm512_fnmadd_pd(kf, _mm512_set1_pd(6.93147180369123816490e-01), xc);
    *r_out = _mm512_fnmadd_pd(kf, _mm512_set1_pd(1.90821492927058770002e-10), r);
    *kt_out = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(x, _mm512_set1_pd(-708.3964185322641), _CMP_NLT_UQ), kt);
}

GMM_AVX512_INLINE __m512d vexp_finish512(__m512d r, __m512d kt) {
    #define C(x) _mm512_set1_pd(x)
    const __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
    __m512d p23 = _mm512_fmadd_pd(C(0.1666666666666668), r, C(0.5000000000000019));
    __m512d p45 = _mm512_fmadd_pd(C(0.008333333333319601), r, C(0.0416666666664881));
    __m512d p67 = _mm512_fmadd_pd(C(0.00019841269890047113), r, C(0.0013888888952314775));
    __m512d p89 = _mm512_fmadd_pd(C(2.755724091857897e-06), r, C(2.4801485482328494e-05));
    __m512d p1011 = _mm512_fmadd_pd(C(2.5110037605963777e-08), r, C(2.763263963904103e-07));
    __m512d q25 = _mm512_fmadd_pd(p45, r2, p23);
    __m512d q69 = _mm512_fmadd_pd(p89, r2, p67);
    __m512d t = _mm512_fmadd_pd(_mm512_fmadd_pd(p1011, r4, q69), r4, q25);
    __m512d p = _mm512_add_pd(C(1.0), _mm512_fmadd_pd(t, r2, r));
    #undef C
    return _mm512_mul_pd(p, _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_castpd_si512(kt), 52)));
}

/* log(s) as gmm_vlog. */
GMM_AVX512_INLINE __m512d vlog512(__m512d s) {
    const __m512i bits = _mm512_castpd_si512(s);
    const __m512i ebits = _mm512_or_si512(_mm512_srli_epi64(bits, 52), _mm512_set1_epi64(0x4330000000000000LL));
    __m512d e = _mm512_sub_pd(_mm512_castsi512_pd(ebits), _mm512_set1_pd(4503599627371519.0));
    __m512d m = _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi64(0x000FFFFFFFFFFFFFLL)),
                                                    _mm512_set1_epi64(0x3FF0000000000000LL)));
    const __mmask8 big = _mm512_cmp_pd_mask(m, _mm512_set1_pd(1.4142135623730951), _CMP_GT_OQ);
    m = _mm512_mask_blend_pd(big, m, _mm512_mul_pd(m, _mm512_set1_pd(0.5)));
    e = _mm512_add_pd(e, _mm512_maskz_mov_pd(big, _mm512_set1_pd(1.0)));
    const __m512d f = _mm512_sub_pd(m, _mm512_set1_pd(1.0));
    const __m512d t = _mm512_div_pd(f, _mm512_add_pd(m, _mm512_set1_pd(1.0)));
    const __m512d t2 = _mm512_mul_pd(t, t);
    __m512d p = _mm512_set1_pd(1.0 / 23.0);
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 21.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 19.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 17.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 15.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 13.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 11.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 9.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 7.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 5.0));
    p = _mm512_fmadd_pd(p, t2, _mm512_set1_pd(1.0 / 3.0));
    const __m512d two_t = _mm512_add_pd(t, t);
    const __m512d logm = _mm512_fmadd_pd(_mm512_mul_pd(two_t, t2), p, two_t);
    const __m512d r = _mm512_fmadd_pd(e, _mm512_set1_pd(1.90821492927058770002e-10), logm);
    return _mm512_fmadd_pd(e, _mm512_set1_pd(6.93147180369123816490e-01), r);
}

#define LANES(v) ((v) + 1 == nv ? tail : (__mmask8)0xFF)

GMM_AVX512 gmm_status gmm_lse_resp_avx512(double *GMM_RESTRICT logp, size_t ldl, size_t B, size_t K,
                                          double *GMM_RESTRICT lse) {
    const size_t Bp = gmm_round4(B);
    if (Bp > ldl || K == 0) return GMM_ERR_ARGUMENT;
    double mx[GMM_BLOCK_MAX], sum[GMM_BLOCK_MAX], r_row[GMM_BLOCK_MAX], k_row[GMM_BLOCK_MAX];
    for (size_t n0 = 0; n0 < Bp; n0 += GMM_BLOCK_MAX) {
        const size_t len = Bp - n0 < GMM_BLOCK_MAX ? Bp - n0 : GMM_BLOCK_MAX, nv = (len + 7) / 8;
        const __mmask8 tail = (len % 8) ? (__mmask8)0x0F : (__mmask8)0xFF;
        double *seg = logp + n0;
        /* Pass 1: the maximum over components. */
        for (size_t v = 0; v < nv; v++) {
            __m512d m = _mm512_maskz_loadu_pd(LANES(v), seg + 8 * v);
            for (size_t k = 1; k < K; k++) m = _mm512_max_pd(m, _mm512_maskz_loadu_pd(LANES(v), seg + k * ldl + 8 * v));
            _mm512_mask_storeu_pd(mx + 8 * v, LANES(v), m);
        }
        /* Pass 2: exponentials in place and their sum in component order, two sweeps per row. */
        for (size_t v = 0; v < nv; v++) _mm512_mask_storeu_pd(sum + 8 * v, LANES(v), _mm512_setzero_pd());
        for (size_t k = 0; k < K; k++) {
            double *row = seg + k * ldl;
            for (size_t v = 0; v < nv; v++) {
                __m512d r, kt;
                vexp_reduce512(_mm512_sub_pd(_mm512_maskz_loadu_pd(LANES(v), row + 8 * v), _mm512_maskz_loadu_pd(LANES(v), mx + 8 * v)),
                               &r, &kt);
                _mm512_mask_storeu_pd(r_row + 8 * v, LANES(v), r);
                _mm512_mask_storeu_pd(k_row + 8 * v, LANES(v), kt);
            }
            for (size_t v = 0; v < nv; v++) {
                const __m512d e = vexp_finish512(_mm512_maskz_loadu_pd(LANES(v), r_row + 8 * v), _mm512_maskz_loadu_pd(LANES(v), k_row + 8 * v));
                _mm512_mask_storeu_pd(row + 8 * v, LANES(v), e);
                _mm512_mask_storeu_pd(sum + 8 * v, LANES(v), _mm512_add_pd(_mm512_maskz_loadu_pd(LANES(v), sum + 8 * v), e));
            }
        }
        /* Pass 3: lse = mx + log(sum) on the valid points; sum becomes 1/sum (0 on padding). */
        const size_t valid_here = B - n0 < len ? B - n0 : len;
        for (size_t v = 0; v < nv; v++) {
            const size_t n = 8 * v;
            const __m512d s = _mm512_maskz_loadu_pd(LANES(v), sum + n);
            const __m512d l = _mm512_add_pd(_mm512_maskz_loadu_pd(LANES(v), mx + n), vlog512(s));
            const size_t left = valid_here > n ? valid_here - n : 0;
            const __mmask8 valid = left >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << left) - 1u);
            _mm512_mask_storeu_pd(lse + n0 + n, valid, l);
            _mm512_mask_storeu_pd(sum + n, LANES(v), _mm512_maskz_mov_pd(valid, _mm512_div_pd(_mm512_set1_pd(1.0), s)));
        }
        /* Pass 4: responsibilities. */
        for (size_t k = 0; k < K; k++) {
            double *row = seg + k * ldl;
            for (size_t v = 0; v < nv; v++)
                _mm512_mask_storeu_pd(row + 8 * v, LANES(v),
                                      _mm512_mul_pd(_mm512_maskz_loadu_pd(LANES(v), row + 8 * v), _mm512_maskz_loadu_pd(LANES(v), sum + 8 * v)));
        }
    }
    for (size_t k = 0; k < K; k++)
        for (size_t n = Bp; n < ldl; n++) logp[k * ldl + n] = 0.0;
    return GMM_OK;
}
#undef LANES
