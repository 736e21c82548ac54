#define _POSIX_C_SOURCE 199309L  /* clock_gettime under -std=c11 */
/* A loop of 12 independent FMA chains per thread: more than the FMA latency x pipes, so the
 * FMA units, not dependencies, set the pace. Each thread runs the same count; the peak is
 * total flops over the slowest thread's time. */
#include <time.h>
#include <immintrin.h>
#include "BenchSupport.h"
#ifdef _OPENMP
/* The runtime calls used (as CKernels/parallel/pass.c, without omp.h's include path). */
int omp_get_max_threads(void);
int omp_get_num_threads(void);
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

__attribute__((target("avx2,fma"))) static double spin(long iterations) {
    __m256d a[12];
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_pd(1.0 + i * 1e-9);
    const __m256d m = _mm256_set1_pd(0.999999999), c = _mm256_set1_pd(1e-9);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_pd(a[i], m, c);
        __asm__ volatile("" : "+x"(a[0]), "+x"(a[1]), "+x"(a[2]), "+x"(a[3]), "+x"(a[4]), "+x"(a[5]),
                         "+x"(a[6]), "+x"(a[7]), "+x"(a[8]), "+x"(a[9]), "+x"(a[10]), "+x"(a[11]));
    }
    double out[4], sum = 0.0;
    for (int i = 0; i < 12; i++) { _mm256_storeu_pd(out, a[i]); sum += out[0]; }
    return sum;
}

double gmm_bench_fma_peak(int threads, double seconds) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("fma")) return 0.0;
    /* Calibrate on one thread, then run the same count on every thread at once. */
    long iterations = 1000000;
    double t0 = now();
    spin(iterations);
    double one = now() - t0;
    iterations = (long)(iterations * seconds / (one > 1e-6 ? one : 1e-6));
    int team = 1;
    double sink = 0.0;
    t0 = now();
#ifdef _OPENMP
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads()) reduction(+: sink)
    {
#pragma omp single
        team = omp_get_num_threads();
        sink += spin(iterations);
    }
#else
    (void)threads;
    sink = spin(iterations);
#endif
    double elapsed = now() - t0;
    return sink == 42.0 ? 0.0 : (double)iterations * 12 * 8 * team / elapsed / 1e9;
}
