/* The exponential-throughput floor of the log-sum-exp (BENCHMARKS.md, issue 17): the
 * vectorized exp the E-step uses (x86/vmath_avx2.h), on one thread, over a row of
 * max-shifted log-densities that stays in L1, as the log-sum-exp's exponential pass runs it.
 *   cc -O3 -I CKernels/include -I CKernels/x86 Benchmarks/exp_floor.c -o /tmp/exp_floor && /tmp/exp_floor */
#include <stdio.h>
#include <time.h>
#include "vmath_avx2.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

GMM_AVX2 static double run(const double *x, double *y, size_t n, int reps) {
    double t0 = now();
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < n; i += 4) {
            __m256d rr, kt;
            gmm_vexp_reduce(_mm256_loadu_pd(x + i), &rr, &kt);
            _mm256_storeu_pd(y + i, gmm_vexp_finish(rr, kt));
        }
    return now() - t0;
}

int main(void) {
    enum { N = 4096 };
    static double x[N], y[N];
    for (size_t i = 0; i < N; i++) x[i] = -40.0 * (double)(i % 97) / 97.0;
    const int reps = 20000;
    double best = 1e9;
    for (int t = 0; t < 7; t++) {
        double s = run(x, y, N, reps);
        if (s < best) best = s;
    }
    double check = 0;
    for (size_t i = 0; i < N; i++) check += y[i];
    printf("vectorized exp (AVX2, 1 thread): %.3f ns per exponential (best of 7; checksum %.6f)\n", 1e9 * best / ((double)N * reps), check);
    return 0;
}
