/* Benchmark support (not part of the library): the machine's FMA peak, measured in the same
 * run as the workloads it is compared with. */
#ifndef GMM_BENCH_SUPPORT_H
#define GMM_BENCH_SUPPORT_H

/** GFLOP/s of independent 256-bit float64 FMAs on `threads` threads (0: OpenMP's default)
 *  over about `seconds`; 0 when the CPU lacks FMA. */
double gmm_bench_fma_peak(int threads, double seconds);

#endif
