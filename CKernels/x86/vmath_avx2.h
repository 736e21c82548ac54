/* Vectorized exp and log for the log-sum-exp kernel (AVX2/FMA, 4 doubles). Internal header:
 * include only from files whose functions carry GMM_AVX2. Accuracy: about 1 ulp over the
 * ranges the E-step uses (exp of x <= 0, log of s in [1, K]). */
#ifndef GMM_VMATH_AVX2_H
#define GMM_VMATH_AVX2_H
#include <immintrin.h>
#include "gmm_types.h"

#define GMM_AVX2 __attribute__((target("avx2,fma")))
#define GMM_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

/* A gmm_prefetch hint spread over a kernel's `steps` tiles, a few cache lines per tile.
 * Issued all at once, a block's 512 lines mostly never arrive: measured here, bursts of more
 * than ~32 prefetches are largely dropped, and the next block's load then waits on memory
 * (2.4 us of the 2.6 us a 256 x 16 block took to load, against 1.0 us from cache). Spread
 * this way, the block is in L2 when the driver loads it. Addresses are kept as integers, so
 * running past the end is plain arithmetic. */
typedef struct gmm_prefetcher {
    uintptr_t line, end;
    size_t per_step;
} gmm_prefetcher;

GMM_AVX2_INLINE gmm_prefetcher gmm_prefetcher_start(const gmm_prefetch *next, size_t steps) {
    gmm_prefetcher s = {0, 0, 0};
    if (next && next->addr && next->bytes && steps) {
        s.line = (uintptr_t)next->addr & ~(uintptr_t)63;
        s.end = (uintptr_t)next->addr + next->bytes;
        s.per_step = ((s.end - s.line + 63) / 64 + steps - 1) / steps;
    }
    return s;
}

GMM_AVX2_INLINE void gmm_prefetcher_step(gmm_prefetcher *s) {
    for (size_t q = 0; q < s->per_step && s->line < s->end; q++, s->line += 64)
        _mm_prefetch((const char *)s->line, _MM_HINT_T1);
}

/* exp(x) for the log-sum-exp's x <= 0, in two halves so that a caller can run each over a
 * whole row with its few constants in registers (estep_avx2.c). k = round(x log2 e) comes
 * from adding 1.5 * 2^52 + 1023: the rounded sum holds k + 1023 in its low mantissa bits,
 * ready to shift into an exponent field, with no round or convert instruction. r = x - k ln2
 * by a Cody-Waite split of ln2, |r| <= ln2/2, and exp(r) by a degree-11 Chebyshev fit
 * (relative error 2e-17 with its coefficients rounded to double; <= 1 ulp against libm over
 * [-745, 0]).
 * gmm_vexp_reduce gives r and the scale's bits kt. Below ln(2^-1022) the result is flushed
 * to +0: kt is 0 there, so the scale is +0 (x is first raised to -745, which keeps r, and so
 * the polynomial, finite; -inf gives +0 too). NaN flows through r to the result. */
GMM_AVX2_INLINE void gmm_vexp_reduce(__m256d x, __m256d *r_out, __m256d *kt_out) {
    const __m256d shifter = _mm256_set1_pd(6755399441055744.0 + 1023.0);
    const __m256d xc = _mm256_max_pd(_mm256_set1_pd(-745.0), x);  /* NaN passes (second operand) */
    const __m256d kt = _mm256_fmadd_pd(xc, _mm256_set1_pd(1.4426950408889634), shifter);
    const __m256d kf = _mm256_sub_pd(kt, shifter);
    __m256d r = _mm256_fnmadd_pd(kf, _mm256_set1_pd(6.93147180369123816490e-01), xc);
    *r_out = _mm256_fnmadd_pd(kf, _mm256_set1_pd(1.90821492927058770002e-10), r);
    *kt_out = _mm256_and_pd(kt, _mm256_cmp_pd(x, _mm256_set1_pd(-708.3964185322641), _CMP_NLT_UQ));
}

GMM_AVX2_INLINE __m256d gmm_vexp_finish(__m256d r, __m256d kt) {
    #define C(x) _mm256_set1_pd(x)
    const __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2);
    __m256d p23 = _mm256_fmadd_pd(C(0.1666666666666668), r, C(0.5000000000000019));
    __m256d p45 = _mm256_fmadd_pd(C(0.008333333333319601), r, C(0.0416666666664881));
    __m256d p67 = _mm256_fmadd_pd(C(0.00019841269890047113), r, C(0.0013888888952314775));
    __m256d p89 = _mm256_fmadd_pd(C(2.755724091857897e-06), r, C(2.4801485482328494e-05));
    __m256d p1011 = _mm256_fmadd_pd(C(2.5110037605963777e-08), r, C(2.763263963904103e-07));
    __m256d q25 = _mm256_fmadd_pd(p45, r2, p23);
    __m256d q69 = _mm256_fmadd_pd(p89, r2, p67);
    __m256d t = _mm256_fmadd_pd(_mm256_fmadd_pd(p1011, r4, q69), r4, q25);
    __m256d p = _mm256_add_pd(C(1.0), _mm256_fmadd_pd(t, r2, r));
    #undef C
    return _mm256_mul_pd(p, _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(kt), 52)));
}

/* expf(x) on 8 floats, the same way as the float64 halves above: k + 127 from adding
 * 1.5 * 2^23 + 127, a Cody-Waite split of ln2, and exp(r) = 1 + (r + r^2 T(r)) with a
 * degree-7 Chebyshev fit (relative error 1e-10 with float coefficients; 1.4 float ulps
 * overall), in two halves as the float64 one, for x <= 0. Below -87.3 kt is 0 and the
 * result +0 (x is first raised to -104, keeping r finite); NaN propagates. */
GMM_AVX2_INLINE void gmm_vexp_ps_reduce(__m256 x, __m256 *r_out, __m256 *kt_out) {
    const __m256 shifter = _mm256_set1_ps(12582912.0f + 127.0f);
    const __m256 xc = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);  /* NaN passes (second operand) */
    const __m256 kt = _mm256_fmadd_ps(xc, _mm256_set1_ps(1.44269504f), shifter);
    const __m256 kf = _mm256_sub_ps(kt, shifter);
    const __m256 r = _mm256_fnmadd_ps(kf, _mm256_set1_ps(0.693359375f), xc);
    *r_out = _mm256_fnmadd_ps(kf, _mm256_set1_ps(-2.12194440e-4f), r);
    *kt_out = _mm256_and_ps(kt, _mm256_cmp_ps(x, _mm256_set1_ps(-87.33654f), _CMP_NLT_UQ));
}

GMM_AVX2_INLINE __m256 gmm_vexp_ps_finish(__m256 r, __m256 kt) {
    __m256 t = _mm256_fmadd_ps(_mm256_set1_ps(0.00019907569f), r, _mm256_set1_ps(0.0013948579f));
    t = _mm256_fmadd_ps(t, r, _mm256_set1_ps(0.0083332835f));
    t = _mm256_fmadd_ps(t, r, _mm256_set1_ps(0.041666217f));
    t = _mm256_fmadd_ps(t, r, _mm256_set1_ps(0.16666667f));
    t = _mm256_fmadd_ps(t, r, _mm256_set1_ps(0.5f));
    const __m256 p = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(t, _mm256_mul_ps(r, r), r));
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(kt), 23)));
}

/* log(s) for positive normal s: s = 2^e m with m in [sqrt(1/2), sqrt(2)), then
 * log m = 2 atanh(t), t = (m-1)/(m+1), |t| < 0.1716, by its odd series to t^23. */
GMM_AVX2_INLINE __m256d gmm_vlog(__m256d s) {
    const __m256i mant_mask = _mm256_set1_epi64x(0x000FFFFFFFFFFFFFLL);
    const __m256i one_bits = _mm256_set1_epi64x(0x3FF0000000000000LL);
    __m256i bits = _mm256_castpd_si256(s);
    /* Exponent as a double: (2^52 + biased exponent) - (2^52 + 1023). */
    __m256i ebits = _mm256_or_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x4330000000000000LL));
    __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(ebits), _mm256_set1_pd(4503599627371519.0));
    __m256d m = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mant_mask), one_bits));
    __m256d big = _mm256_cmp_pd(m, _mm256_set1_pd(1.4142135623730951), _CMP_GT_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, _mm256_set1_pd(0.5)), big);
    e = _mm256_add_pd(e, _mm256_and_pd(big, _mm256_set1_pd(1.0)));
    __m256d f = _mm256_sub_pd(m, _mm256_set1_pd(1.0));
    __m256d t = _mm256_div_pd(f, _mm256_add_pd(m, _mm256_set1_pd(1.0)));
    __m256d t2 = _mm256_mul_pd(t, t);
    __m256d p = _mm256_set1_pd(1.0 / 23.0);
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 21.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 19.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 17.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 15.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 13.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 11.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 9.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 7.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 5.0));
    p = _mm256_fmadd_pd(p, t2, _mm256_set1_pd(1.0 / 3.0));
    /* log m = 2t + 2t*t2*p; log s = e*ln2 + log m (ln2 split so e*ln2_hi is exact). */
    __m256d two_t = _mm256_add_pd(t, t);
    __m256d logm = _mm256_fmadd_pd(_mm256_mul_pd(two_t, t2), p, two_t);
    __m256d r = _mm256_fmadd_pd(e, _mm256_set1_pd(1.90821492927058770002e-10), logm);
    return _mm256_fmadd_pd(e, _mm256_set1_pd(6.93147180369123816490e-01), r);
}

GMM_AVX2_INLINE double gmm_hsum(__m256d v) {
    __m128d lo = _mm256_castpd256_pd128(v), hi = _mm256_extractf128_pd(v, 1);
    lo = _mm_add_pd(lo, hi);
    return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

/* Sum of g[0 .. Bp) (Bp a multiple of 4) in four chains: one add chain would be
 * latency-bound. */
GMM_AVX2_INLINE double gmm_sum_padded(const double *g, size_t Bp) {
    __m256d acc[4] = {_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()};
    size_t n = 0;
    for (; n + 16 <= Bp; n += 16)
        for (int q = 0; q < 4; q++) acc[q] = _mm256_add_pd(acc[q], _mm256_loadu_pd(g + n + 4 * q));
    for (; n < Bp; n += 4) acc[0] = _mm256_add_pd(acc[0], _mm256_loadu_pd(g + n));
    return gmm_hsum(_mm256_add_pd(_mm256_add_pd(acc[0], acc[1]), _mm256_add_pd(acc[2], acc[3])));
}

/* The four horizontal sums of a, b, c, e as one vector: one fold for four accumulators. */
GMM_AVX2_INLINE __m256d gmm_hsum4(__m256d a, __m256d b, __m256d c, __m256d e) {
    __m256d ab = _mm256_hadd_pd(a, b), ce = _mm256_hadd_pd(c, e);
    return _mm256_add_pd(_mm256_permute2f128_pd(ab, ce, 0x20), _mm256_permute2f128_pd(ab, ce, 0x31));
}

#endif
